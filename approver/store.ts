import type { EnrolmentResult } from '../server/approver-protocol.js';
import type { Lang } from './i18n.js';

/** How this phone signs its answers: the passkey made at enrolment, or a WebCrypto key pair kept here. */
export type DeviceKey = { type: 'passkey'; credentialId: string } | { type: 'device'; keys: CryptoKeyPair };

/** What this phone keeps once it approves sign-ins for someone; the page and the service worker share it. */
export interface DeviceRecord {
  device: EnrolmentResult['device'];
  /** The bearer token of every call; never leaves this phone but to the API. */
  deviceToken: string;
  /** Whose sign-ins this phone approves, for the home screen. */
  email: string;
  key: DeviceKey;
  /** Whether the server has a push subscription of this phone. */
  push: boolean;
  /** The language the page last spoke, so the service worker's notifications speak it too. */
  lang: Lang;
}

const DB_NAME = 'login-flow-approver';
const STORE = 'state';
const RECORD = 'device';

/**
 * IndexedDB because both the page and the service worker read it (a worker
 * has no localStorage), and because it keeps a non-extractable `CryptoKey`
 * as it is (structured clone), so the private key's bytes are never exposed.
 */
function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

/** This phone's enrolment, if it has one. */
export function loadDevice(): Promise<DeviceRecord | undefined> {
  return run('readonly', (store) => store.get(RECORD));
}

export async function saveDevice(record: DeviceRecord): Promise<void> {
  await run('readwrite', (store) => store.put(record, RECORD));
}

/** Forgets the enrolment: the token and the key go; the server's side is the account page's to remove. */
export async function forgetDevice(): Promise<void> {
  await run('readwrite', (store) => store.delete(RECORD));
}
