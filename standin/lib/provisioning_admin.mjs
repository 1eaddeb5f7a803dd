// Admin routes of fleet provisioning (paths of AWS's REST API under /admin):
// CreateProvisioningTemplate `POST /provisioning-templates`, DescribeProvisioningTemplate
// `GET /provisioning-templates/{name}`, DescribeCertificate `GET /certificates/{id}`,
// UpdateCertificate `PUT /certificates/{id}?newStatus=`, DescribeThing `GET /things/{thingName}`.
// Errors are ControlError (lib/control_error.mjs).

/** The route for `method pathname`, or null. `prov` is the ProvisioningStore (or null when off). */
export function provisioningAdminRoute(prov, method, pathname, params) {
  if (!prov) return null;
  if (method === 'POST' && pathname === '/admin/provisioning-templates') return (b) => prov.createTemplate(b);
  const m = /^\/admin\/(provisioning-templates|certificates|things)\/([^/]+)$/.exec(pathname);
  if (!m || (method !== 'GET' && !(method === 'PUT' && m[1] === 'certificates'))) return null;
  let name;
  try { name = decodeURIComponent(m[2]); } catch { return null; }
  if (method === 'PUT') return () => prov.updateCertificate(name, params?.get('newStatus'));
  if (m[1] === 'provisioning-templates') return () => prov.describeTemplate(name);
  if (m[1] === 'certificates') return () => prov.describeCertificate(name);
  return () => prov.describeThing(name);
}
