// `Depends-On:` footers in a commit message name the changes a change
// needs: by URL (as `strata change show` prints it: …/gate/changes/N, or
// Gerrit's …/c/project/+/N) or, for the local source, by bare number. The
// server's address may change between runs, so URLs are recognised by
// their path.

export interface DependsOn {
  number: number;
  /** What the footer said. */
  text: string;
}

const FOOTER = /^Depends-On:[ \t]*(\S+)[ \t]*$/gim;

/** The change number a Depends-On value names, or null when it names something else (another source). */
export function dependsOnNumber(value: string): number | null {
  if (/^\d+$/.test(value)) return Number(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const m = /\/gate\/changes\/(\d+)\/?$/.exec(url.pathname) ?? /\/c\/.+\/\+\/(\d+)\/?$/.exec(url.pathname) ?? /^\/(\d+)\/?$/.exec(url.pathname);
  return m ? Number(m[1]) : null;
}

/** Every Depends-On footer of a message that names a change of this source, first mention first. */
export function parseDependsOn(message: string): DependsOn[] {
  const out: DependsOn[] = [];
  const seen = new Set<number>();
  for (const m of message.matchAll(FOOTER)) {
    const n = dependsOnNumber(m[1]!);
    if (n === null || seen.has(n)) continue;
    seen.add(n);
    out.push({ number: n, text: m[1]! });
  }
  return out;
}
