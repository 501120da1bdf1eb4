import './polyfills';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import 'element-plus/dist/index.css';
import './styles.css';
import App from './App.vue';
import { configureAuth } from './api/client';
import { buildRouter } from './router';
import { useAuthStore } from './stores/auth';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = buildRouter();
const auth = useAuthStore(pinia);

// The API client reads the session from the auth store; a session that cannot be refreshed
// ends here: forget it and go to the login page, back to where the user was afterwards.
configureAuth({
  accessToken: () => auth.accessToken,
  refreshToken: () => auth.refreshToken,
  onRefreshed: (session) => auth.setSession(session),
  onAuthFailure: () => {
    if (!auth.loggedIn) return;
    auth.clear();
    const here = router.currentRoute.value;
    if (here.name !== 'login' && !here.meta.public) {
      void router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } });
    }
  },
});

app.use(router);
app.use(ElementPlus, { locale: zhCn, size: 'default' });
app.mount('#app');

// The stored user may be stale (a role changed): refresh it once the app runs.
if (auth.loggedIn) {
  auth.fetchMe().catch(() => undefined);
}
