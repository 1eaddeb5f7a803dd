// Fleet provisioning templates: parameters, intrinsic functions and the resources RegisterThing
// creates (developer guide, "Provisioning templates": Parameters, Resources of types
// AWS::IoT::Thing / AWS::IoT::Certificate / AWS::IoT::Policy, Mappings, DeviceConfiguration,
// Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub). Pure logic.

/** A template error: the RegisterThing request is rejected with this text. */
export class TemplateError extends Error {}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a template body (object or JSON text) and returns it as an object. */
export function parseTemplateBody(body) {
  let t = body;
  if (typeof body === 'string') {
    try { t = JSON.parse(body); } catch { throw new TemplateError('templateBody is not JSON'); }
  }
  if (!isObj(t)) throw new TemplateError('templateBody must be a JSON object');
  if (t.Parameters !== undefined && !isObj(t.Parameters)) throw new TemplateError('Parameters must be an object');
  if (!isObj(t.Resources)) throw new TemplateError('Resources must be an object');
  const types = Object.values(t.Resources).map((r) => r?.Type);
  for (const type of types) {
    if (!['AWS::IoT::Thing', 'AWS::IoT::Certificate', 'AWS::IoT::Policy'].includes(type)) {
      throw new TemplateError(`resource type '${type}' is not one of AWS::IoT::Thing, AWS::IoT::Certificate, AWS::IoT::Policy`);
    }
  }
  if (types.filter((x) => x === 'AWS::IoT::Certificate').length !== 1) throw new TemplateError('a fleet provisioning template declares one AWS::IoT::Certificate');
  return t;
}

/** Evaluates intrinsic functions in `node` with the parameter values `params`. */
function evaluate(node, params, mappings) {
  if (Array.isArray(node)) return node.map((n) => evaluate(n, params, mappings));
  if (!isObj(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = node[fn];
    switch (fn) {
      case 'Ref':
        if (!(arg in params)) throw new TemplateError(`Ref to '${arg}', which has no value (not passed in "parameters" and no Default)`);
        return params[arg];
      case 'Fn::Join': {
        const [sep, list] = evaluate(arg, params, mappings);
        return list.join(sep);
      }
      case 'Fn::Select': {
        const [i, list] = evaluate(arg, params, mappings);
        const v = list?.[Number(i)];
        if (v === undefined || v === null) throw new TemplateError(`Fn::Select index ${i} is out of range`);
        return v;
      }
      case 'Fn::Split': {
        const [sep, s] = evaluate(arg, params, mappings);
        return String(s).split(sep);
      }
      case 'Fn::FindInMap': {
        const [map, k1, k2] = evaluate(arg, params, mappings);
        const v = mappings?.[map]?.[k1]?.[k2];
        if (v === undefined) throw new TemplateError(`Fn::FindInMap found nothing at ${map}.${k1}.${k2}`);
        return v;
      }
      case 'Fn::Sub':
        return String(evaluate(arg, params, mappings)).replace(/\$\{([^}]+)\}/g, (m, name) => {
          if (!(name in params)) throw new TemplateError(`Fn::Sub refers to '${name}', which has no value`);
          return params[name];
        });
      default:
        break;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, evaluate(node[k], params, mappings)]));
}

/**
 * Applies `template` to a RegisterThing request: `parameters` from the device, the certificate id
 * as `AWS::IoT::Certificate::Id`. Returns { thingName, attributes, certificateStatus, policies,
 * deviceConfiguration }; throws TemplateError naming the problem.
 */
export function applyTemplate(template, { parameters = {}, certificateId }) {
  if (!isObj(parameters) || Object.values(parameters).some((v) => typeof v !== 'string')) {
    throw new TemplateError('"parameters" must be an object of string values');
  }
  const params = {};
  for (const [name, decl] of Object.entries(template.Parameters ?? {})) {
    if (decl?.Default !== undefined) params[name] = decl.Default;
  }
  Object.assign(params, parameters, { 'AWS::IoT::Certificate::Id': certificateId });
  const resources = evaluate(template.Resources, params, template.Mappings);
  const out = { thingName: null, attributes: {}, certificateStatus: 'ACTIVE', policies: [], deviceConfiguration: {} };
  for (const [logical, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IoT::Thing') {
      if (typeof p.ThingName !== 'string' || !/^[a-zA-Z0-9:_-]{1,128}$/.test(p.ThingName)) {
        throw new TemplateError(`resource '${logical}': ThingName '${p.ThingName}' is not 1-128 characters of [a-zA-Z0-9:_-]`);
      }
      out.thingName = p.ThingName;
      out.attributes = isObj(p.AttributePayload) ? p.AttributePayload : {};
    } else if (r.Type === 'AWS::IoT::Certificate') {
      if (p.CertificateId !== certificateId) {
        throw new TemplateError(`resource '${logical}': a fleet provisioning template's certificate is {"Ref": "AWS::IoT::Certificate::Id"}`);
      }
      // The guide's own fleet example writes "Active"; the property is ACTIVE or INACTIVE.
      const status = String(p.Status ?? 'ACTIVE').toUpperCase();
      if (!['ACTIVE', 'INACTIVE'].includes(status)) throw new TemplateError(`resource '${logical}': Status must be ACTIVE or INACTIVE`);
      out.certificateStatus = status;
    } else {
      const hasName = p.PolicyName !== undefined;
      const hasDoc = p.PolicyDocument !== undefined;
      if (hasName === hasDoc) throw new TemplateError(`resource '${logical}': a policy has PolicyName or PolicyDocument, not both`);
      let doc = p.PolicyDocument;
      if (typeof doc === 'string') {
        try { doc = JSON.parse(doc); } catch { throw new TemplateError(`resource '${logical}': PolicyDocument is not JSON`); }
      }
      out.policies.push(hasName ? { policyName: p.PolicyName } : { policyDocument: doc });
    }
  }
  const config = evaluate(template.DeviceConfiguration ?? {}, params, template.Mappings);
  for (const [k, v] of Object.entries(config)) {
    // "The DeviceConfiguration section doesn't support nested JSON objects."
    if (isObj(v) || Array.isArray(v)) throw new TemplateError(`DeviceConfiguration '${k}' is nested; the section doesn't support nested JSON objects`);
    out.deviceConfiguration[k] = v;
  }
  return out;
}
