/** How the API key travels. */
import { fail, pass, type Check } from './support.js';

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export const transportChecks: Check[] = [
  {
    id: 'transport.https',
    severity: 'SHOULD',
    title: 'The API is served over HTTPS',
    why: 'v1 §3: "API key authentication in a header"; Jakamo sends that header on every listing and download — over plain HTTP the key and the files cross the network readable by anyone on the way. Loopback addresses are exempt (local testing).',
    async run(ctx) {
      const url = new URL(ctx.settings.baseUrl);
      if (url.protocol === 'https:') return pass('the base URL uses https');
      if (LOOPBACK_HOST.test(url.hostname)) return pass(`${url.hostname} is a loopback address; https is not needed for local testing`);
      return fail(
        `the base URL uses plain http on ${url.hostname}`,
        'Nothing unusual — but the API key and the files travel unencrypted between Jakamo and your server',
      );
    },
  },
];
