/** Signal names and numbers (Linux x86-64 numbering, as the agent uses). */
import { constants } from 'node:os';

const byNumber = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(constants.signals)) if (!byNumber.has(num)) byNumber.set(num, name as NodeJS.Signals);

export function signalNumber(sig: NodeJS.Signals | number): number {
  if (typeof sig === 'number') return sig;
  const n = constants.signals[sig];
  if (n === undefined) throw new RangeError(`unknown signal ${sig}`);
  return n;
}

export function signalName(num: number): NodeJS.Signals {
  return byNumber.get(num) ?? (`SIG${num}` as NodeJS.Signals);
}
