import vue from '@vitejs/plugin-vue';
import { isCustomElement } from 'login-flow/vue';
import { defineConfig } from 'vite';

export default defineConfig({
  // <login-flow>, <account-security> and <company-switch> are elements, not Vue components.
  plugins: [vue({ template: { compilerOptions: { isCustomElement } } })],
});
