/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the login-flow API; `http://localhost:3000` (`npm start`) when unset. */
  readonly VITE_LOGIN_FLOW_API?: string;
}
