/* What the page and its service worker share beside storage (store.ts) and texts (i18n.ts). */

/** What the worker tells the open approver pages: a request arrived (`approval`), or its notification was tapped (`open`). */
export interface WorkerMessage {
  type: 'approval' | 'open';
  id: string;
}

/** Bytes in base64url without padding (RFC 4648 §5), as WebAuthn's JSON and the Push API write them. */
export function base64url(bytes: ArrayBuffer | ArrayBufferView): string {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
