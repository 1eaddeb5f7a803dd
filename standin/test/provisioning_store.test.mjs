// Unit tests of fleet provisioning's logic (lib/provisioning_store.mjs, lib/provisioning_template.mjs)
// with a fake clock and a fake signer; the templates are the developer guide's own examples
// ("Provisioning templates"), the payload shapes those of "Device provisioning MQTT API".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProvisioningStore, OWNERSHIP_TOKEN_MS } from '../lib/provisioning_store.mjs';
import { applyTemplate, parseTemplateBody, TemplateError } from '../lib/provisioning_template.mjs';
import { CsrError } from '../lib/provisioning_signer.mjs';

// The guide's "Template example for fleet provisioning", with its policy shortened.
const GUIDE_FLEET_TEMPLATE = {
  Parameters: { ThingName: { Type: 'String' }, SerialNumber: { Type: 'String' }, DeviceLocation: { Type: 'String' } },
  Mappings: { LocationTable: { Seattle: { LocationUrl: 'https://example.aws' } } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: {
      AttributePayload: { version: 'v1', serialNumber: 'serialNumber' },
      ThingName: { Ref: 'ThingName' },
      ThingTypeName: { 'Fn::Join': ['', ['ThingPrefix_', { Ref: 'SerialNumber' }]] },
      ThingGroups: ['v1-lightbulbs', 'WA'],
      BillingGroup: 'LightBulbBillingGroup',
    }, OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Publish'], Resource: ['arn:aws:iot:us-east-1:123456789012:topic/foo/bar'] }] } } },
  },
  DeviceConfiguration: {
    FallbackUrl: 'https://www.example.com/test-site',
    LocationUrl: { 'Fn::FindInMap': ['LocationTable', { Ref: 'DeviceLocation' }, 'LocationUrl'] },
  },
};

function fixture() {
  const clock = { ms: 1_700_000_000_000 };
  let n = 0;
  const signer = {
    async createKeys(cn) { n++; return { certificateId: `${'a'.repeat(63)}${n}`, certificatePem: `PEM ${cn}`, privateKey: 'KEY' }; },
    async signCsr(csr) {
      if (csr !== 'GOOD CSR') throw new CsrError('not a CSR');
      n++;
      return { certificateId: `${'b'.repeat(63)}${n}`, certificatePem: 'PEM from CSR' };
    },
  };
  const registered = [];
  const store = new ProvisioningStore({ nowMs: () => clock.ms, signer, onRegistered: (r) => registered.push(r) });
  store.createTemplate({ templateName: 'fleet', templateBody: JSON.stringify(GUIDE_FLEET_TEMPLATE) });
  const call = async (topic, body) => {
    const [m] = await store.handleMqtt(topic, Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)));
    return { topic: m.topic, body: JSON.parse(m.payload) };
  };
  return { store, clock, call, registered };
}

const REGISTER = '$aws/provisioning-templates/fleet/provision/json';

test('Provisioning_GuideFleetTemplate_RegisterThingAnswersThingNameAndDeviceConfiguration', async () => {
  const { store, call, registered } = fixture();
  const created = await call('$aws/certificates/create-from-csr/json', { certificateSigningRequest: 'GOOD CSR' });
  assert.equal(created.topic, '$aws/certificates/create-from-csr/json/accepted');
  assert.deepEqual(Object.keys(created.body).sort(), ['certificateId', 'certificateOwnershipToken', 'certificatePem']);
  const id = created.body.certificateId;
  assert.equal(store.describeCertificate(id).certificateDescription.status, 'PENDING_ACTIVATION');

  const reg = await call(REGISTER, { certificateOwnershipToken: created.body.certificateOwnershipToken, parameters: { ThingName: 'lamp-7', SerialNumber: '7', DeviceLocation: 'Seattle' } });
  assert.deepEqual(reg, { topic: `${REGISTER}/accepted`, body: {
    deviceConfiguration: { FallbackUrl: 'https://www.example.com/test-site', LocationUrl: 'https://example.aws' }, thingName: 'lamp-7',
  } });
  // The guide's template says "Status": "Active".
  assert.equal(store.describeCertificate(id).certificateDescription.status, 'ACTIVE');
  assert.deepEqual(store.describeThing('lamp-7'), { thingName: 'lamp-7', attributes: { version: 'v1', serialNumber: 'serialNumber' }, principals: [id] });
  assert.equal(registered.length, 1);
  assert.deepEqual(registered[0].policies[0].policyDocument.Statement[0].Action, ['iot:Publish']);

  // The token is used up.
  const again = await call(REGISTER, { certificateOwnershipToken: created.body.certificateOwnershipToken, parameters: { ThingName: 'x', DeviceLocation: 'Seattle', SerialNumber: '1' } });
  assert.equal(again.body.errorCode, 'InvalidCertificateOwnershipToken');
});

test('Provisioning_CreateKeysAndCertificate_FieldsOfTheGuideAndEmptyPayload', async () => {
  const { call } = fixture();
  const r = await call('$aws/certificates/create/json');
  assert.equal(r.topic, '$aws/certificates/create/json/accepted');
  assert.deepEqual(Object.keys(r.body).sort(), ['certificateId', 'certificateOwnershipToken', 'certificatePem', 'privateKey']);
  assert.equal((await call('$aws/certificates/create/json', '{}')).topic, '$aws/certificates/create/json/accepted');
  assert.deepEqual((await call('$aws/certificates/create/json', 'nope')).body, { statusCode: 400, errorCode: 'InvalidPayload', errorMessage: 'The request payload is not valid JSON' });
});

test('Provisioning_OwnershipToken_ValidForOneHourOnly', async () => {
  const { clock, call } = fixture();
  const a = await call('$aws/certificates/create/json');
  const b = await call('$aws/certificates/create/json');
  const params = { ThingName: 't1', SerialNumber: '1', DeviceLocation: 'Seattle' };
  clock.ms += OWNERSHIP_TOKEN_MS - 1;
  assert.equal((await call(REGISTER, { certificateOwnershipToken: a.body.certificateOwnershipToken, parameters: params })).topic, `${REGISTER}/accepted`);
  clock.ms += 1;
  const late = await call(REGISTER, { certificateOwnershipToken: b.body.certificateOwnershipToken, parameters: { ...params, ThingName: 't2' } });
  assert.equal(late.topic, `${REGISTER}/rejected`);
  assert.deepEqual([late.body.statusCode, late.body.errorCode], [400, 'InvalidCertificateOwnershipToken']);
  assert.equal(OWNERSHIP_TOKEN_MS, 3_600_000);
});

test('Provisioning_RejectedAnswers_StatusCodeErrorCodeErrorMessage', async () => {
  const { call } = fixture();
  // The text AWS sends for an empty token (aws-iot-device-sdk-js-v2 issue #69).
  assert.deepEqual((await call(REGISTER, { parameters: {} })).body, { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'Certificate ownership token cannot be empty.' });
  assert.equal((await call(REGISTER, { certificateOwnershipToken: 'forged' })).body.errorCode, 'InvalidCertificateOwnershipToken');
  const { body: made } = await call('$aws/certificates/create/json');
  const tok = made.certificateOwnershipToken;
  const other = await call('$aws/provisioning-templates/missing/provision/json', { certificateOwnershipToken: tok });
  assert.deepEqual([other.topic, other.body.statusCode, other.body.errorCode], ['$aws/provisioning-templates/missing/provision/json/rejected', 404, 'ResourceNotFound']);
  const noParam = await call(REGISTER, { certificateOwnershipToken: tok, parameters: { SerialNumber: '1', DeviceLocation: 'Seattle' } });
  assert.deepEqual([noParam.body.statusCode, noParam.body.errorCode], [400, 'InvalidParameters']);
  assert.match(noParam.body.errorMessage, /'ThingName'/);
  assert.equal((await call(REGISTER, { certificateOwnershipToken: tok, parameters: { ThingName: 7 } })).body.errorCode, 'InvalidParameters');
  assert.equal((await call(REGISTER, { certificateOwnershipToken: tok, parameters: { ThingName: 'bad name', SerialNumber: '1', DeviceLocation: 'Seattle' } })).body.errorCode, 'InvalidParameters');
  const csr = await call('$aws/certificates/create-from-csr/json', { certificateSigningRequest: 'garbage' });
  assert.deepEqual([csr.body.statusCode, csr.body.errorCode], [400, 'InvalidCertificateSigningRequest']);
  assert.equal((await call('$aws/certificates/create-from-csr/json', '')).body.errorCode, 'InvalidPayload');
  // Still usable after the failures above: failures do not use the token up.
  assert.equal((await call(REGISTER, { certificateOwnershipToken: tok, parameters: { ThingName: 'ok', SerialNumber: '1', DeviceLocation: 'Seattle' } })).topic, `${REGISTER}/accepted`);
});

test('ProvisioningTemplate_IntrinsicsDefaultsAndRules_AsTheGuideDescribes', () => {
  const t = parseTemplateBody({
    Parameters: { Location: { Type: 'String', Default: 'WA' }, Csv: { Type: 'String' } },
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Sub': 'dev-${Location}' }, AttributePayload: { second: { 'Fn::Select': [1, { 'Fn::Split': [',', { Ref: 'Csv' }] }] } } } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'existing' } },
    },
  });
  assert.deepEqual(applyTemplate(t, { parameters: { Csv: 'a,b,c' }, certificateId: 'c1' }), {
    thingName: 'dev-WA', attributes: { second: 'b' }, certificateStatus: 'ACTIVE', policies: [{ policyName: 'existing' }], deviceConfiguration: {},
  });
  assert.throws(() => applyTemplate(t, { parameters: { Csv: 'a' }, certificateId: 'c1' }), TemplateError); // Fn::Select out of range
  const nested = { ...t, DeviceConfiguration: { a: { b: 'c' } } };
  assert.throws(() => applyTemplate(nested, { parameters: { Csv: 'a,b' }, certificateId: 'c1' }), /doesn't support nested JSON objects/);
  assert.throws(() => parseTemplateBody({ Resources: { x: { Type: 'AWS::IoT::Thing' } } }), /one AWS::IoT::Certificate/);
  const both = { Parameters: t.Parameters, Resources: { ...t.Resources, policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'a', PolicyDocument: '{}' } } } };
  assert.throws(() => applyTemplate(parseTemplateBody(both), { parameters: { Csv: 'a,b' }, certificateId: 'c1' }), /PolicyName or PolicyDocument, not both/);
});
