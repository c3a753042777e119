import { expect } from '@open-wc/testing';
import { forgetDeviceToken, readDeviceToken, storeDeviceToken } from '../../components/lib/devices.js';

const api = 'https://auth.example.com/login';

/** Makes `localStorage` throw as it does when the browser blocks storage, for the length of `run`. */
async function withBlockedStorage(run: () => void | Promise<void>): Promise<void> {
  const original = Object.getOwnPropertyDescriptor(window, 'localStorage')!;
  Object.defineProperty(window, 'localStorage', {
    configurable: true,
    get() {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    },
  });
  try {
    await run();
  } finally {
    Object.defineProperty(window, 'localStorage', original);
  }
}

describe('remembered-device tokens', () => {
  beforeEach(() => localStorage.clear());

  it('keeps a token per API origin and email address', () => {
    storeDeviceToken(api, 'Ada@Example.com ', 'token-1');
    expect(localStorage.getItem('lf-device:https://auth.example.com:ada@example.com')).to.equal('token-1');
    expect(readDeviceToken('https://auth.example.com', 'ada@example.com')).to.equal('token-1');
    expect(readDeviceToken('https://other.example.com', 'ada@example.com')).to.equal(undefined);
    expect(readDeviceToken(api, 'bob@example.com')).to.equal(undefined);
  });

  it('resolves an empty API to the page\'s own origin', () => {
    storeDeviceToken('', 'ada@example.com', 'token-1');
    expect(localStorage.getItem(`lf-device:${location.origin}:ada@example.com`)).to.equal('token-1');
  });

  it('replaces the token with the rotated one', () => {
    storeDeviceToken(api, 'ada@example.com', 'token-1');
    storeDeviceToken(api, 'ada@example.com', 'token-2');
    expect(readDeviceToken(api, 'ada@example.com')).to.equal('token-2');
    expect(localStorage.length).to.equal(1);
  });

  it('forgets a token the server refused', () => {
    storeDeviceToken(api, 'ada@example.com', 'token-1');
    forgetDeviceToken(api, 'ada@example.com');
    expect(readDeviceToken(api, 'ada@example.com')).to.equal(undefined);
  });

  it('does without when the browser blocks storage', async () => {
    await withBlockedStorage(() => {
      expect(() => localStorage).to.throw();
      storeDeviceToken(api, 'ada@example.com', 'token-1');
      expect(readDeviceToken(api, 'ada@example.com')).to.equal(undefined);
      forgetDeviceToken(api, 'ada@example.com');
    });
  });
});
