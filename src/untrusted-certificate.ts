// A TLS peer whose certificate no CA this process trusts has signed: a central system or a SOAP
// charge point's endpoint or a webhook receiver under a private CA. Node reads further CAs from
// the file NODE_EXTRA_CA_CERTS names, at the process's start, for every TLS connection it opens
// (fetch, https, wss), so the hint is the same everywhere.

/** Node's codes for a peer certificate that no CA it trusts has signed. */
const UNTRUSTED_CERTIFICATE = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

/** For a TLS failure of that kind (Node's `code`), how to trust `whose` certificate's CA; else ''. */
export function untrustedCertificateHint(code: unknown, whose: string): string {
  return typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code) ? ` (${whose} certificate is not signed by a CA this machine trusts: name its CA with NODE_EXTRA_CA_CERTS=FILE)` : '';
}
