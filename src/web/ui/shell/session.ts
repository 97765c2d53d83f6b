// The token lives in sessionStorage: gone when the tab closes, never in a URL.
const KEY = 'strata.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  save: (t: string) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};
