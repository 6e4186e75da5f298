/**
 * Lets vitest run the Salesforce LWC sources under manifests/salesforce: their decorators are compiled
 * (legacy semantics, which is how @api and @wire behave: applied once to the class), and the platform
 * modules they import resolve to the test doubles beside this file. `@salesforce/schema/Object.Field`
 * becomes { objectApiName, fieldApiName }, as the platform gives it in the packaging org (a test that
 * needs subscriber-org names mocks the import with vi.mock).
 */
import { fileURLToPath } from 'node:url';
import { transformWithOxc, type Plugin } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const PLATFORM_MODULES: Record<string, string> = {
  lwc: here('./lwc.ts'),
  'lightning/uiRecordApi': here('./uiRecordApi.ts'),
  'lightning/uiRelatedListApi': here('./uiRelatedListApi.ts'),
};

const SCHEMA = '@salesforce/schema/';
const VIRTUAL = '\0lwc-schema:';
const LWC_SOURCE = /\/manifests\/salesforce\/.*\/lwc\/[^/]+\/[^/]+\.js$/;

export function lwcTestPlugin(): Plugin {
  return {
    name: 'crm-signals:lwc-test-doubles',
    enforce: 'pre',
    resolveId(source) {
      if (source in PLATFORM_MODULES) return PLATFORM_MODULES[source];
      if (source.startsWith(SCHEMA)) return VIRTUAL + source.slice(SCHEMA.length);
      return null;
    },
    load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      const [object, field] = id.slice(VIRTUAL.length).split('.');
      const value = field === undefined ? { objectApiName: object } : { objectApiName: object, fieldApiName: field };
      return `export default ${JSON.stringify(value)};`;
    },
    async transform(code, id) {
      if (!LWC_SOURCE.test(id)) return null;
      const result = await transformWithOxc(code, id, { lang: 'js', decorator: { legacy: true } });
      return { code: result.code, map: result.map };
    },
  };
}
