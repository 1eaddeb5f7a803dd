// AWS IoT fleet provisioning by claim for the stand-in: the device MQTT API (developer guide,
// "Device provisioning MQTT API", fleet-provision-api) - CreateKeysAndCertificate,
// CreateCertificateFromCsr, RegisterThing - with certificates in PENDING_ACTIVATION until
// RegisterThing, ownership tokens valid one hour on the stand-in's clock, templates with
// parameters (lib/provisioning_template.mjs) and the things and certificates RegisterThing makes.
// No sockets; certificates come from a signer (lib/provisioning_signer.mjs). JSON payloads only.
import { randomBytes } from 'node:crypto';
import { applyTemplate, parseTemplateBody, TemplateError } from './provisioning_template.mjs';
import { CsrError } from './provisioning_signer.mjs';
import { ControlError } from './control_error.mjs';

/** "the certificateOwnershipToken ... expires after one hour" (fleet-provision-api). */
export const OWNERSHIP_TOKEN_MS = 60 * 60 * 1000;

export const PROVISIONING_FILTERS = Object.freeze([
  '$aws/certificates/create/json',
  '$aws/certificates/create-from-csr/json',
  '$aws/provisioning-templates/+/provision/json',
]);


class Rejected extends Error {
  constructor(statusCode, errorCode, message) {
    super(message);
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const TEMPLATE_NAME = /^[0-9A-Za-z_-]{1,36}$/; // CreateProvisioningTemplate: templateName

export class ProvisioningStore {
  #templates = new Map(); // name -> {templateName, template (object), enabled, description}
  #certificates = new Map(); // id -> {certificateId, certificatePem, status, thingName?, policies, tokenHash?}
  #tokens = new Map(); // token -> {certificateId, expiresMs}
  #things = new Map(); // thingName -> {thingName, attributes, principals: [certificateId]}

  /** @param {{ nowMs: () => number, signer: ReturnType<import('./provisioning_signer.mjs').createSigner>, region?: string, accountId?: string, onRegistered?: (r: object) => void }} opts */
  /** onCertificateStatus(certificateId, status): after UpdateCertificate changed a status. */
  constructor({ nowMs, signer, region = 'us-east-1', accountId = '123456789012', onRegistered = () => {}, onCertificateStatus = null }) {
    this.nowMs = nowMs;
    this.signer = signer;
    this.region = region;
    this.accountId = accountId;
    this.onRegistered = onRegistered;
    this.onCertificateStatus = onCertificateStatus;
  }

  // ---- control plane ------------------------------------------------------------------------

  /** CreateProvisioningTemplate: `templateBody` an object or its JSON text. */
  createTemplate({ templateName, templateBody, enabled = true, description } = {}) {
    if (typeof templateName !== 'string' || !TEMPLATE_NAME.test(templateName)) {
      throw new ControlError(400, 'InvalidRequestException', 'templateName must be 1-36 characters of [0-9A-Za-z_-]');
    }
    if (this.#templates.has(templateName)) throw new ControlError(409, 'ResourceAlreadyExistsException', `template '${templateName}' already exists`);
    if (typeof enabled !== 'boolean') throw new ControlError(400, 'InvalidRequestException', '"enabled" must be a boolean');
    let template;
    try { template = parseTemplateBody(templateBody); } catch (e) { throw new ControlError(400, 'InvalidRequestException', e.message); }
    this.#templates.set(templateName, { templateName, template, enabled, description });
    return { templateArn: this.#templateArn(templateName), templateName, defaultVersionId: 1 };
  }

  describeTemplate(templateName) {
    const t = this.#templates.get(templateName);
    if (!t) throw new ControlError(404, 'ResourceNotFoundException', `template '${templateName}' does not exist`);
    return { templateArn: this.#templateArn(templateName), templateName, enabled: t.enabled, description: t.description, templateBody: JSON.stringify(t.template) };
  }

  /** DescribeCertificate (the parts the stand-in keeps): status, its thing, the template's policies. */
  describeCertificate(certificateId) {
    const c = this.#certificates.get(certificateId);
    if (!c) throw new ControlError(404, 'ResourceNotFoundException', `certificate '${certificateId}' does not exist`);
    const { certificatePem, status, thingName, policies } = c;
    return { certificateDescription: { certificateId, certificatePem, status }, thingName: thingName ?? null, policies };
  }

  /** UpdateCertificate (`PUT /certificates/{id}?newStatus=`): ACTIVE, INACTIVE or REVOKED (AWS
   *  refuses to set PENDING_TRANSFER through it, and REGISTER_INACTIVE is deprecated). */
  updateCertificate(certificateId, newStatus) {
    const c = this.#certificates.get(certificateId);
    if (!c) throw new ControlError(404, 'ResourceNotFoundException', `certificate '${certificateId}' does not exist`);
    if (!['ACTIVE', 'INACTIVE', 'REVOKED'].includes(newStatus)) {
      throw new ControlError(400, 'InvalidRequestException', `newStatus must be ACTIVE, INACTIVE or REVOKED, not '${String(newStatus).slice(0, 32)}'`);
    }
    c.status = newStatus;
    this.onCertificateStatus?.(certificateId, newStatus);
    return {};
  }

  /** Why a device may not authenticate with the certificate `certificateId`, or null: AWS IoT
   *  accepts ACTIVE certificates only (developer guide, "Activate or deactivate a client
   *  certificate"). Certificates this store did not issue (the stand-in's own device
   *  certificates) count as registered and ACTIVE. */
  certificateRefusal(certificateId) {
    const c = certificateId === undefined ? undefined : this.#certificates.get(certificateId);
    if (!c || c.status === 'ACTIVE') return null;
    return `certificate ${certificateId.slice(0, 12)}... is ${c.status}; AWS IoT accepts ACTIVE certificates only`;
  }

  /** DescribeThing: a thing RegisterThing made. */
  describeThing(thingName) {
    const t = this.#things.get(thingName);
    if (!t) throw new ControlError(404, 'ResourceNotFoundException', `thing '${thingName}' does not exist`);
    return { thingName, attributes: t.attributes, principals: [...t.principals] };
  }

  #templateArn(name) { return `arn:aws:iot:${this.region}:${this.accountId}:provisioningtemplate/${name}`; }

  // ---- the device MQTT API ------------------------------------------------------------------

  /** Answers one request; resolves to the publications (accepted or rejected). */
  async handleMqtt(topic, payload) {
    let op;
    let templateName;
    if (topic === '$aws/certificates/create/json') op = 'create';
    else if (topic === '$aws/certificates/create-from-csr/json') op = 'csr';
    else {
      const m = /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/.exec(topic);
      if (!m) return [];
      op = 'register';
      templateName = m[1];
    }
    try {
      const body = await this.#dispatch(op, templateName, payload);
      return [{ topic: `${topic}/accepted`, payload: JSON.stringify(body) }];
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      return [{ topic: `${topic}/rejected`, payload: JSON.stringify({ statusCode: e.statusCode, errorCode: e.errorCode, errorMessage: e.message }) }];
    }
  }

  /** The rejected answer for a request the service failed on (an unexpected fault). */
  internalErrorFor(topic) {
    return [{ topic: `${topic}/rejected`, payload: JSON.stringify({ statusCode: 500, errorCode: 'InternalFailure', errorMessage: 'Internal failure' }) }];
  }

  #json(payload, { emptyOk }) {
    const text = String(payload ?? '');
    if (!text) {
      if (emptyOk) return {};
      throw new Rejected(400, 'InvalidPayload', 'The request payload is empty; a JSON object is required');
    }
    let v;
    try { v = JSON.parse(text); } catch { throw new Rejected(400, 'InvalidPayload', 'The request payload is not valid JSON'); }
    if (!isObj(v)) throw new Rejected(400, 'InvalidPayload', 'The request payload must be a JSON object');
    return v;
  }

  async #dispatch(op, templateName, payload) {
    if (op === 'create') {
      // "Publish a message on $aws/certificates/create/payload-format with an empty message payload."
      this.#json(payload, { emptyOk: true });
      const made = await this.signer.createKeys(`provisioned-${randomBytes(8).toString('hex')}`);
      const token = this.#newCertificate(made);
      return { certificateId: made.certificateId, certificatePem: made.certificatePem, privateKey: made.privateKey, certificateOwnershipToken: token };
    }
    if (op === 'csr') {
      const req = this.#json(payload, { emptyOk: false });
      let made;
      try {
        made = await this.signer.signCsr(req.certificateSigningRequest);
      } catch (e) {
        if (e instanceof CsrError) throw new Rejected(400, 'InvalidCertificateSigningRequest', e.message);
        throw e;
      }
      const token = this.#newCertificate(made);
      return { certificateOwnershipToken: token, certificateId: made.certificateId, certificatePem: made.certificatePem };
    }
    return this.#register(templateName, this.#json(payload, { emptyOk: false }));
  }

  #newCertificate({ certificateId, certificatePem }) {
    this.#certificates.set(certificateId, { certificateId, certificatePem, status: 'PENDING_ACTIVATION', policies: [] });
    const token = randomBytes(48).toString('base64url');
    this.#tokens.set(token, { certificateId, expiresMs: this.nowMs() + OWNERSHIP_TOKEN_MS });
    return token;
  }

  #register(templateName, req) {
    const token = req.certificateOwnershipToken;
    // The error a v2 SDK user reported from AWS (aws-iot-device-sdk-js-v2 issue #69).
    if (token === undefined || token === '') throw new Rejected(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token cannot be empty.');
    const held = typeof token === 'string' ? this.#tokens.get(token) : undefined;
    if (!held) throw new Rejected(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is not valid.');
    if (this.nowMs() >= held.expiresMs) {
      this.#tokens.delete(token);
      throw new Rejected(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token has expired (tokens are valid for one hour).');
    }
    const t = this.#templates.get(templateName);
    if (!t) throw new Rejected(404, 'ResourceNotFound', `The provisioning template '${templateName}' does not exist.`);
    if (!t.enabled) throw new Rejected(400, 'InvalidRequest', `The provisioning template '${templateName}' is disabled.`);
    let result;
    try {
      result = applyTemplate(t.template, { parameters: req.parameters ?? {}, certificateId: held.certificateId });
    } catch (e) {
      if (e instanceof TemplateError) throw new Rejected(400, 'InvalidParameters', e.message);
      throw e;
    }
    if (!result.thingName) throw new Rejected(400, 'InvalidParameters', `The template '${templateName}' declares no AWS::IoT::Thing`);
    // The token is used up: the certificate now belongs to the thing.
    this.#tokens.delete(token);
    const cert = this.#certificates.get(held.certificateId);
    cert.status = result.certificateStatus;
    cert.thingName = result.thingName;
    cert.policies = result.policies;
    const thing = this.#things.get(result.thingName) ?? { thingName: result.thingName, attributes: {}, principals: new Set() };
    thing.attributes = { ...thing.attributes, ...result.attributes };
    thing.principals.add(held.certificateId);
    this.#things.set(result.thingName, thing);
    this.onRegistered({ thingName: result.thingName, certificateId: held.certificateId, certificatePem: cert.certificatePem, policies: result.policies });
    return { deviceConfiguration: result.deviceConfiguration, thingName: result.thingName };
  }
}
