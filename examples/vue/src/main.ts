import { createApp } from 'vue';
// Registers <login-flow>, <account-security> and <company-switch>.
import 'login-flow/elements';
import 'login-flow/account';
import App from './App.vue';

createApp(App).mount('#app');
