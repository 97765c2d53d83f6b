// Every action asks first, in a modal <dialog> (focus trapped, Escape
// cancels), naming exactly what will happen to what.
import { useRef, useState } from 'preact/hooks';
import { errorText, type Answer } from './api.ts';

export function ActionButton(props: { label: string; question: string; run: () => Promise<Answer>; onDone?: (a: Answer) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    const a = await props.run().catch((e: Error) => ({ status: 0, ok: false, body: { message: e.message } }) as Answer);
    setBusy(false);
    if (!a.ok) setError(errorText(a));
    else setError(null);
    dialog.current?.close();
    props.onDone?.(a);
  };
  return (
    <span class="action">
      <button type="button" onClick={() => dialog.current?.showModal()}>{props.label}</button>
      {error && <span role="alert" class="error">{props.label}: {error}</span>}
      <dialog ref={dialog} aria-label={`Confirm ${props.label}`}>
        <p>{props.question}</p>
        <div class="buttons">
          <button type="button" onClick={() => dialog.current?.close()}>Cancel</button>
          <button type="button" class="primary" disabled={busy} onClick={go}>Confirm {props.label}</button>
        </div>
      </dialog>
    </span>
  );
}
