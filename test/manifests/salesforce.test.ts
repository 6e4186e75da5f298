/**
 * The Salesforce package: loads as an sfdx project with @salesforce/core (HOME isolated, so nothing is
 * written to the real ~/.sfdx), every output field on every object it maps to, every field in the
 * integration permission set with edit access, well-formed XML, and limits Salesforce enforces at deploy.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../../connectors/emulators/salesforce/schema.ts';
import {
  LWC_FIELDS_MODULE,
  LWC_HISTORY_FIELDS,
  LWC_NAME,
  LWC_OBJECTS,
  PERMISSION_SETS,
  SALESFORCE_API_VERSION,
  SALESFORCE_DESCRIBE_TYPES,
  SALESFORCE_OBJECTS,
  SALESFORCE_PACKAGE,
  SIGNAL_HISTORY,
  SIGNAL_HISTORY_OBJECT,
  salesforceOutputFields,
  salesforcePackageFields,
  salesforceProject,
  type SalesforceFieldDescriptor,
} from '../../src/manifests/index.ts';
import { MANIFESTS_DIR } from '../../src/manifests/write.ts';
import { OUTPUT_FIELDS } from '../../src/domain/outputFields.ts';
import { childrenNamed, childText, parseXml, type XmlNode } from './xml.ts';

const SALESFORCE_DIR = join(MANIFESTS_DIR, 'salesforce');
const DEFAULT = 'force-app/main/default';
const read = (path: string) => readFileSync(join(SALESFORCE_DIR, path), 'utf8');
const fieldPath = (object: string, apiName: string) => `${DEFAULT}/objects/${object}/fields/${apiName}.field-meta.xml`;
const generated = salesforceProject();

describe('sfdx project (@salesforce/core)', () => {
  const saved = { HOME: process.env.HOME, SF_DISABLE_LOG_FILE: process.env.SF_DISABLE_LOG_FILE, SFDX_PROJECT_JSON_VALIDATION: process.env.SFDX_PROJECT_JSON_VALIDATION };
  let home = '';
  let project = '';

  beforeAll(() => {
    // @salesforce/core keeps state under ~/.sfdx and ~/.sf and may log there: point HOME at a temp dir
    // before it is imported (it reads os.homedir() at import time).
    home = mkdtempSync(join(tmpdir(), 'crm-signals-sfhome-'));
    process.env.HOME = home;
    process.env.SF_DISABLE_LOG_FILE = 'true';
    // Schema problems in sfdx-project.json throw instead of warning.
    process.env.SFDX_PROJECT_JSON_VALIDATION = 'true';
    // The committed project: hand-written project files and component, generated metadata.
    project = mkdtempSync(join(tmpdir(), 'crm-signals-sfproject-'));
    cpSync(SALESFORCE_DIR, project, { recursive: true, filter: (source) => !source.includes('node_modules') });
  });

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  it('resolves the committed project, validates sfdx-project.json and finds the package directory', async () => {
    const { SfProject } = await import('@salesforce/core');
    SfProject.clearInstances();
    const sfProject = await SfProject.resolve(project);
    expect(sfProject.getPath()).toBe(project);

    const projectJson = await sfProject.retrieveSfProjectJson();
    await projectJson.schemaValidate();
    expect(projectJson.get('sourceApiVersion')).toBe(SALESFORCE_API_VERSION);
    expect(SALESFORCE_API_VERSION).toBe('62.0');
    expect(projectJson.get('namespace')).toBe(SALESFORCE_PACKAGE.namespace);

    const directories = sfProject.getPackageDirectories();
    expect(directories).toHaveLength(1);
    expect(directories[0]).toMatchObject({ path: 'force-app', default: true, package: SALESFORCE_PACKAGE.name, versionNumber: '1.0.0.NEXT' });
    expect(sfProject.getDefaultPackage().fullPath).toBe(join(project, 'force-app/'));
    expect(projectJson.hasPackages()).toBe(true);
    expect(projectJson.hasMultiplePackages()).toBe(false);
    expect(sfProject.getPackageNameFromPath(join(project, 'force-app/main/default/lwc'))).toBe(SALESFORCE_PACKAGE.name);
    // The hand-written project file says what the generator and the connector assume.
    expect(projectJson.get('name')).toBe(SALESFORCE_PACKAGE.name);
    expect(directories[0]).toMatchObject({ path: SALESFORCE_PACKAGE.packageDirectory, versionName: SALESFORCE_PACKAGE.versionName, versionNumber: SALESFORCE_PACKAGE.versionNumber });

    const config = await sfProject.resolveProjectConfig();
    expect(config.sourceApiVersion).toBe('62.0');
  });

  it('refuses an invalid sfdx-project.json (the validation above is real)', async () => {
    const { SfProject } = await import('@salesforce/core');
    const bad = mkdtempSync(join(tmpdir(), 'crm-signals-sfbad-'));
    try {
      writeFileSync(join(bad, 'sfdx-project.json'), JSON.stringify({ packageDirectories: [{ path: 42 }], sourceApiVersion: 'sixty-two' }));
      SfProject.clearInstances();
      const sfProject = await SfProject.resolve(bad);
      await expect((await sfProject.retrieveSfProjectJson()).schemaValidate()).rejects.toThrow();
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('custom fields', () => {
  const parsed = (object: string, apiName: string): XmlNode => parseXml(read(fieldPath(object, apiName)));

  it('puts every output field on every Salesforce object its canonical object maps to', () => {
    expect(SALESFORCE_OBJECTS.contact).toEqual(['Lead', 'Contact']);
    expect(SALESFORCE_OBJECTS.ticket).toEqual(['Case']);
    for (const field of OUTPUT_FIELDS) {
      for (const object of SALESFORCE_OBJECTS[field.objectType]) {
        const xml = parsed(object, field.names.salesforce);
        expect(xml.name).toBe('CustomField');
        expect(xml.attributes.xmlns).toBe('http://soap.sforce.com/2006/04/metadata');
        expect(childText(xml, 'fullName'), `${object}.${field.names.salesforce}`).toBe(field.names.salesforce);
        expect(childText(xml, 'label')).toBe(field.label);
        expect(childText(xml, 'inlineHelpText')).toBe(field.description);
        expect(childText(xml, 'description')).toContain(field.description);
      }
    }
  });

  it('maps each output type to its Salesforce type and attributes', () => {
    for (const field of OUTPUT_FIELDS) {
      const object = SALESFORCE_OBJECTS[field.objectType][0]!;
      const xml = parsed(object, field.names.salesforce);
      const type = childText(xml, 'type');
      switch (field.type) {
        case 'number':
          expect(type).toBe('Number');
          expect(Number(childText(xml, 'precision'))).toBe(field.salesforce?.precision);
          expect(Number(childText(xml, 'scale'))).toBe(field.salesforce?.scale);
          break;
        case 'string':
          expect(type).toBe('Text');
          expect(Number(childText(xml, 'length'))).toBe(field.salesforce?.length ?? 255);
          break;
        case 'text':
          expect(type).toBe('LongTextArea');
          expect(childText(xml, 'length')).toBe('32768');
          expect(Number(childText(xml, 'visibleLines'))).toBeGreaterThan(0);
          break;
        case 'enumeration': {
          expect(type).toBe('Picklist');
          const valueSet = childrenNamed(xml, 'valueSet')[0]!;
          // Unrestricted: new segments are written through the API before an admin could add them.
          expect(childText(valueSet, 'restricted')).toBe('false');
          const values = childrenNamed(childrenNamed(valueSet, 'valueSetDefinition')[0]!, 'value');
          expect(values.map((v) => [childText(v, 'fullName'), childText(v, 'label')])).toEqual((field.options ?? []).map((o) => [o.value, o.label]));
          break;
        }
        case 'datetime':
          expect(type).toBe('DateTime');
          break;
      }
    }
  });

  it('stays within the limits Salesforce enforces at deploy', () => {
    for (const f of salesforcePackageFields()) {
      const where = `${f.object}.${f.apiName}`;
      expect(f.apiName, where).toMatch(/^[A-Za-z][A-Za-z0-9_]*__c$/);
      expect(f.apiName.length, where).toBeLessThanOrEqual(40);
      expect(f.apiName, where).not.toMatch(/__.*__c$|_$|__c__c$/);
      expect(f.apiName.replace(/__c$/, ''), where).not.toContain('__');
      expect(f.label.length, where).toBeLessThanOrEqual(40);
      expect(f.inlineHelpText.length, where).toBeLessThanOrEqual(510);
      expect(f.description.length, where).toBeLessThanOrEqual(1000);
      if (f.type === 'Number') {
        expect(f.precision!, where).toBeLessThanOrEqual(18);
        expect(f.scale!, where).toBeLessThanOrEqual(f.precision!);
      }
      if (f.type === 'Text') expect(f.length!, where).toBeLessThanOrEqual(255);
      if (f.type === 'LongTextArea') {
        expect(f.length!, where).toBeGreaterThanOrEqual(256);
        expect(f.length!, where).toBeLessThanOrEqual(131072);
      }
      if (f.type === 'Picklist') expect(f.picklistValues!.length, where).toBeGreaterThan(0);
    }
  });

  it('holds the score within its digits: 1-99 fits Number(3,0), -1..1 fits Number(4,3)', () => {
    const digits = (key: string) => OUTPUT_FIELDS.find((f) => f.key === key)?.salesforce;
    expect(digits('leadScore')).toEqual({ precision: 3, scale: 0 });
    expect(digits('feedbackSentiment')).toEqual({ precision: 4, scale: 3 });
    expect(digits('ticketSentiment')).toEqual({ precision: 4, scale: 3 });
  });

  it('exports the descriptors the files are written from, in describe types the emulator knows', () => {
    const outputs = salesforceOutputFields();
    expect(outputs).toHaveLength(OUTPUT_FIELDS.reduce((n, f) => n + SALESFORCE_OBJECTS[f.objectType].length, 0));
    for (const d of salesforcePackageFields()) {
      const xml = parsed(d.object, d.apiName);
      expect(childText(xml, 'type'), `${d.object}.${d.apiName}`).toBe(d.type);
      if (d.length !== undefined) expect(Number(childText(xml, 'length'))).toBe(d.length);
      expect(FIELD_TYPES as readonly string[]).toContain(SALESFORCE_DESCRIBE_TYPES[d.type]);
    }
  });
});

describe('Signal_History__c', () => {
  const object = parseXml(read(`${DEFAULT}/objects/${SIGNAL_HISTORY_OBJECT}/${SIGNAL_HISTORY_OBJECT}.object-meta.xml`));
  const byName = new Map<string, SalesforceFieldDescriptor>(SIGNAL_HISTORY.fields.map((f) => [f.apiName, f]));

  it('is an auto-numbered custom object with a sharing model lookups allow', () => {
    expect(object.name).toBe('CustomObject');
    const nameField = childrenNamed(object, 'nameField')[0]!;
    expect(childText(nameField, 'type')).toBe('AutoNumber');
    expect(childText(nameField, 'displayFormat')).toBe('SH-{0000000}');
    // ControlledByParent needs a master-detail parent, and a Lead cannot be a master.
    expect(childText(object, 'sharingModel')).toBe('ReadWrite');
    expect(childText(object, 'deploymentStatus')).toBe('Deployed');
  });

  it('has the lookups, values, reasons, model version, time and a unique external id', () => {
    expect([...byName.keys()].sort()).toEqual(
      ['Case__c', 'Changed_At__c', 'Contact__c', 'External_Id__c', 'Lead__c', 'Model_Version__c', 'New_Value__c', 'Old_Value__c', 'Reasons__c', 'Signal__c'].sort(),
    );
    for (const [apiName, target] of [['Lead__c', 'Lead'], ['Contact__c', 'Contact'], ['Case__c', 'Case']] as const) {
      const xml = parseXml(read(fieldPath(SIGNAL_HISTORY_OBJECT, apiName)));
      expect(childText(xml, 'type')).toBe('Lookup');
      expect(childText(xml, 'referenceTo')).toBe(target);
      expect(childText(xml, 'relationshipName')).toBe('Signal_History');
      expect(childText(xml, 'deleteConstraint')).toBe('SetNull');
    }
    expect(byName.get('Reasons__c')?.type).toBe('LongTextArea');
    expect(byName.get('Changed_At__c')?.type).toBe('DateTime');
    // The connector upserts history on External_Id__c, so a replayed write never duplicates a row.
    const externalId = parseXml(read(fieldPath(SIGNAL_HISTORY_OBJECT, 'External_Id__c')));
    expect(childText(externalId, 'externalId')).toBe('true');
    expect(childText(externalId, 'unique')).toBe('true');
    expect(childText(externalId, 'type')).toBe('Text');
  });
});

describe('permission sets', () => {
  const permissionSet = (name: string) => parseXml(read(`${DEFAULT}/permissionsets/${name}.permissionset-meta.xml`));
  const fieldAccess = (xml: XmlNode) =>
    new Map(childrenNamed(xml, 'fieldPermissions').map((p) => [childText(p, 'field')!, { readable: childText(p, 'readable'), editable: childText(p, 'editable') }]));
  const signalHistoryAccess = (xml: XmlNode) => childrenNamed(xml, 'objectPermissions').find((p) => childText(p, 'object') === SIGNAL_HISTORY_OBJECT);

  it('grants the integration user read and edit on every generated field, and CRUD on the history', () => {
    const xml = permissionSet(PERMISSION_SETS.integration.name);
    const access = fieldAccess(xml);
    const expected = salesforcePackageFields().map((f) => `${f.object}.${f.apiName}`);
    for (const field of OUTPUT_FIELDS) for (const object of SALESFORCE_OBJECTS[field.objectType]) expect(expected).toContain(`${object}.${field.names.salesforce}`);
    for (const field of expected) expect(access.get(field), field).toEqual({ readable: 'true', editable: 'true' });
    expect([...access.keys()].sort()).toEqual([...expected].sort());
    const history = signalHistoryAccess(xml)!;
    for (const permission of ['allowCreate', 'allowRead', 'allowEdit', 'allowDelete']) expect(childText(history, permission), permission).toBe('true');
  });

  it('gives reps read-only access', () => {
    const xml = permissionSet(PERMISSION_SETS.user.name);
    const access = fieldAccess(xml);
    for (const f of salesforcePackageFields()) expect(access.get(`${f.object}.${f.apiName}`)).toEqual({ readable: 'true', editable: 'false' });
    const history = signalHistoryAccess(xml)!;
    expect(childText(history, 'allowRead')).toBe('true');
    for (const permission of ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords']) expect(childText(history, permission), permission).toBe('false');
  });
});

describe('well-formedness', () => {
  it('parses every generated XML file', () => {
    const xmlFiles = [...Object.keys(generated), `${DEFAULT}/lwc/${LWC_NAME}/${LWC_NAME}.js-meta.xml`].filter((p) => p.endsWith('.xml'));
    expect(xmlFiles.length).toBeGreaterThan(25);
    for (const path of xmlFiles) expect(() => parseXml(read(path)), path).not.toThrow();
  });

  it('the checker itself rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<a>x & y</a>')).toThrow(/bare "&"/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate attribute/);
    expect(() => parseXml('<a/><b/>')).toThrow(/after the root/);
    expect(() => parseXml('<a>')).toThrow(/never closed/);
    expect(() => parseXml('<a x=1/>')).toThrow(/unquoted/);
    expect(parseXml('<?xml version="1.0"?><a q="&quot;">&lt;&#65;</a>')).toMatchObject({ name: 'a', attributes: { q: '"' }, text: '<A' });
  });

  it('parses every JSON file', () => {
    for (const path of Object.keys(generated).filter((p) => p.endsWith('.json'))) expect(() => JSON.parse(read(path)), path).not.toThrow();
  });
});

describe('lwc/signalHistory', () => {
  const base = `${DEFAULT}/lwc/${LWC_NAME}`;
  const js = read(`${base}/${LWC_NAME}.js`);
  const fields = read(`${base}/${LWC_FIELDS_MODULE}`);

  it('is exposed on Lead and Contact record pages, at the package API version', () => {
    const meta = parseXml(read(`${base}/${LWC_NAME}.js-meta.xml`));
    expect(childText(meta, 'isExposed')).toBe('true');
    expect(childText(meta, 'apiVersion')).toBe(SALESFORCE_API_VERSION);
    expect(childrenNamed(childrenNamed(meta, 'targets')[0]!, 'target').map((t) => t.text)).toEqual(['lightning__RecordPage']);
    const config = childrenNamed(childrenNamed(meta, 'targetConfigs')[0]!, 'targetConfig')[0]!;
    expect(config.attributes.targets).toBe('lightning__RecordPage');
    expect(childrenNamed(childrenNamed(config, 'objects')[0]!, 'object').map((o) => o.text)).toEqual([...LWC_OBJECTS]);
  });

  it('imports every contact output field a rep reads for both objects (generated), not the JSON for programs, and reads history through the related-list wire', () => {
    for (const field of OUTPUT_FIELDS.filter((f) => f.objectType === 'contact')) {
      for (const object of LWC_OBJECTS) {
        const schemaImport = `'@salesforce/schema/${object}.${field.names.salesforce}'`;
        if (field.audience === 'programs') expect(fields).not.toContain(schemaImport);
        else expect(fields).toContain(schemaImport);
      }
    }
    expect(OUTPUT_FIELDS.filter((f) => f.audience === 'programs').map((f) => f.key)).toEqual(['leadScoreReasonCodes']);
    for (const apiName of Object.values(LWC_HISTORY_FIELDS)) expect(fields).toContain(`'@salesforce/schema/${SIGNAL_HISTORY_OBJECT}.${apiName}'`);
    expect(js).toContain("from './fields'");
    expect(js).toContain("from 'lightning/uiRelatedListApi'");
    expect(js).toContain('@wire(getRelatedListRecords');
    expect(js).not.toMatch(/@salesforce\/apex/);
    // Field names live only in the generated module.
    for (const field of OUTPUT_FIELDS) expect(js).not.toContain(field.names.salesforce);
  });

  it('has syntactically valid JavaScript, a well-formed template and recorded wire data', () => {
    for (const path of [`${base}/${LWC_NAME}.js`, `${base}/${LWC_FIELDS_MODULE}`]) {
      const out = ts.transpileModule(read(path), { fileName: path, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, allowJs: true } });
      expect(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), path).toEqual([]);
    }
    const template = parseXml(read(`${base}/${LWC_NAME}.html`), { lenient: true });
    expect(template.name).toBe('template');
    const record = JSON.parse(read(`${base}/__tests__/data/getRecord.json`));
    for (const field of OUTPUT_FIELDS.filter((f) => f.objectType === 'contact' && f.audience !== 'programs')) expect(record.fields).toHaveProperty(field.names.salesforce);
    const history = JSON.parse(read(`${base}/__tests__/data/getRelatedListRecords.json`));
    expect(history.records.length).toBeGreaterThan(0);
    for (const row of history.records) for (const apiName of Object.values(LWC_HISTORY_FIELDS)) expect(row.fields).toHaveProperty(apiName);
  });

  it('keeps the recorded wire data out of the deploy', () => {
    expect(read('.forceignore')).toContain('**/__tests__/**');
  });
});
