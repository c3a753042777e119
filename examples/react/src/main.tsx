import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Registers <login-flow>, <account-security> and <company-switch>.
import 'login-flow/elements';
import 'login-flow/account';
import { App } from './App';

createRoot(document.querySelector('#root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
