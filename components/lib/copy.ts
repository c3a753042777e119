import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** How long a copy button says "Copied" before it reads as a copy button again. */
const COPIED_MS = 2000;

/**
 * Copies text to the clipboard for a step's "Copy" button and remembers, for a
 * moment, that it did, so the button can say "Copied". When the clipboard is
 * blocked (no permission, insecure context) it selects the text instead, so
 * the person can copy it themselves.
 */
export class CopyController implements ReactiveController {
  /** True for a moment after a successful copy. */
  copied = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Copies `text`; on failure selects the contents of `fallback`. */
  async copy(text: string, fallback?: Element | null): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      if (fallback) getSelection()?.selectAllChildren(fallback);
      return;
    }
    this.copied = true;
    this.host.requestUpdate();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.copied = false;
      this.host.requestUpdate();
    }, COPIED_MS);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.copied = false;
  }
}
