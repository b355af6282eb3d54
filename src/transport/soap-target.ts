// Commands to an OCPP 1.5 SOAP charge point: each one a SOAP 1.2 POST to the endpoint the charge
// point gave in its WS-Addressing From (or the operator configured), one at a time, with a
// timeout. The only code that talks to a SOAP charge point's endpoint.
import type { ProtocolAdapter } from '../adapters/adapter.js';
import type { CommandTarget } from '../domain/commands.js';
import { CommandFailed, CommandTimedOut, InvalidRequest } from '../domain/errors.js';
import type { Command, CommandResult } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { JsonObject } from '../ocpp/rpc.js';
import {
  decodeBodyText,
  decodeEnvelope,
  encodeEnvelope,
  OCPP15_CP_NS,
  OCPP_PREFIX,
  operationOfResponseElement,
  payloadToXml,
  readFault,
  readPayload,
  requestAddressing,
  requestElementOf,
  SOAP12_CONTENT_TYPE,
  SoapFault,
} from '../ocpp/soap/index.js';
import { fetchFailure } from '../fetch-failure.js';
import { untrustedCertificateHint } from '../untrusted-certificate.js';
import { violationText } from '../ocpp/validate.js';
import { CommandQueue } from './command-queue.js';
import { EndpointAddressRefused, EndpointPostFailed, postToEndpoint } from './endpoint-post.js';
import { commandAnswer, outboundCall, type OutboundCall } from './dispatch.js';

export interface SoapTargetOptions {
  chargePointId: string;
  /** Keeps each message of the exchange (our request, the charge point's answer) in the journal. */
  record?: (text: string, direction: 'in' | 'out') => void;
  /**
   * Where the charge point takes commands now (its last From, or what an administrator set), and the
   * WS-Addressing namespace its messages use (2004/08 or 1.0; undefined: not known, and 1.0, the
   * one the 1.5 WSDLs name, is written), read before each command so a change is used at once;
   * with no endpoint known it throws, saying why (ChargePointNotConnected). `refusal`: why a
   * command may not go to an address the endpoint's name resolves to (checked as the connection
   * opens); absent: any address.
   */
  endpoint(): Promise<{ url: string; addressingNamespace?: string | undefined; refusal?: ((address: string) => string | undefined) | undefined }>;
  adapter: ProtocolAdapter;
  log: Logger;
  callTimeoutMs: number;
  /** The largest answer read (TOMADA_MAX_FRAME_BYTES, as for the messages the charge point sends). */
  maxBodyBytes: number;
  /** Commands waiting for the charge point beyond which a new one fails at once (default 10). */
  maxQueuedCommands?: number;
  isLenient(): Promise<boolean>;
}

/** The body's bytes, or undefined (and the rest not read) once it passes `maxBytes`. */
async function readAtMost(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    // Leaving the loop cancels the rest of the body.
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The answer as text, in the charset it names, as a charge point's own messages are read
 * (decodeBodyText): read as UTF-8, a UTF-16 answer was unreadable. Text that cannot be read is
 * kept as UTF-8 would read it, for the journal, with why it could not be read.
 */
function answerText(bytes: Buffer, contentType: string | null): { text: string; unreadable?: string } {
  try {
    return { text: decodeBodyText(bytes, contentType ?? undefined) };
  } catch (error) {
    return { text: bytes.toString('utf8'), unreadable: error instanceof SoapFault ? error.reason : (error as Error).message };
  }
}

/** The addressing option of a command in WS-Addressing `namespace`, when one is known. */
const addressingIn = (namespace: string | undefined) => (namespace === undefined ? {} : { addressingNamespace: namespace });

export class SoapCommandTarget implements CommandTarget {
  private readonly queue: CommandQueue;

  constructor(private readonly options: SoapTargetOptions) {
    this.queue = new CommandQueue(options.chargePointId, options.maxQueuedCommands);
  }

  /** One command in flight per charge point, as over OCPP-J: the next waits for the previous. */
  execute(command: Command, sendBy?: number): Promise<CommandResult> {
    return this.queue.run(() => this.send(command), sendBy);
  }

  /** No command waiting or in flight. */
  get idle(): boolean {
    return this.queue.size === 0;
  }

  /**
   * The command's SOAP body. What XML 1.0 cannot carry (a control character in an id tag, which
   * JSON can) is the request's fault: a 400 naming it, and nothing sent (until 2026-12-07 a 500).
   */
  private bodyXml(call: OutboundCall): string {
    try {
      return payloadToXml(call.payload, call.action.request, requestElementOf(call.action.name), OCPP_PREFIX);
    } catch (error) {
      if (error instanceof SoapFault && error.subcode === 'NotEncodable') {
        throw new InvalidRequest(`${call.action.name} cannot be sent to charge point "${this.options.chargePointId}" over OCPP 1.5 SOAP: ${error.reason}; it was not sent`);
      }
      throw error;
    }
  }

  private async send(command: Command): Promise<CommandResult> {
    const { adapter, chargePointId, log, callTimeoutMs } = this.options;
    const reach = await this.options.endpoint();
    const endpoint = reach.url;
    const call = outboundCall(adapter, command);
    const operation = call.action.name;
    const envelope = encodeEnvelope({
      namespace: OCPP15_CP_NS,
      headers: requestAddressing({ chargeBoxIdentity: chargePointId, operation, to: endpoint, ...addressingIn(reach.addressingNamespace) }),
      bodyXml: this.bodyXml(call),
    });
    let text: string;
    /** The HTTP status when it is not a success (a 404 for a wrong path, a 500), for the operator. */
    let httpError: string | undefined;
    try {
      // A redirect is not followed (postToEndpoint): a 307 would send the command, and journal the
      // answer, from wherever the endpoint points, past the check of where commands may go
      // (TOMADA_SOAP_ENDPOINT_NETWORKS) and past the operator who set the endpoint.
      const response = await postToEndpoint(endpoint, {
        headers: { 'content-type': `${SOAP12_CONTENT_TYPE}; charset=utf-8; action="/${operation}"` },
        body: envelope,
        signal: AbortSignal.timeout(callTimeoutMs),
        refusal: reach.refusal,
        // Journaled once it crosses the wire, as a charge point's frames are: a command whose
        // connection was refused, or whose endpoint's address is not allowed, was never sent
        // (until 2026-12-07 it was journaled all the same).
        onSent: () => this.options.record?.(envelope, 'out'),
      });
      const read = await readAtMost(response, this.options.maxBodyBytes);
      // Not read beyond the limit, and not journaled: a charge point's endpoint (or whatever the
      // address points at) must not fill the node's memory or the journal.
      if (read === undefined) throw new CommandFailed(`${operation}: the answer from ${endpoint} is larger than ${this.options.maxBodyBytes} bytes; not read`);
      const answer = answerText(read, response.headers.get('content-type'));
      text = answer.text;
      this.options.record?.(text, 'in');
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location');
        throw new CommandFailed(`${operation}: the charge point's endpoint ${endpoint} answered HTTP ${response.status}, a redirect${location ? ` to ${location}` : ''}, which is not followed`);
      }
      if (response.status < 200 || response.status >= 300) httpError = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      if (answer.unreadable !== undefined) {
        throw new CommandFailed(`${operation} was answered${httpError ? ` ${httpError}` : ''} with text that cannot be read: ${answer.unreadable}`);
      }
    } catch (error) {
      if (error instanceof CommandFailed) throw error;
      if (error instanceof EndpointAddressRefused) throw new CommandFailed(`${operation} was not sent to the endpoint ${endpoint}: ${error.message}`);
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new CommandTimedOut(`${operation} got no answer from ${endpoint} within ${callTimeoutMs} ms`);
      const failure = fetchFailure(error);
      // Written whole before the connection failed: the charge point may have read it (until
      // 2026-12-07 this read "unreachable", as for a command that never left).
      if (error instanceof EndpointPostFailed && error.sent) {
        throw new CommandFailed(`${operation} was sent to the charge point's endpoint ${endpoint}, and the connection failed before its answer (${failure}): it may have been carried out`);
      }
      throw new CommandFailed(`${operation}: the charge point's endpoint ${endpoint} is unreachable (${failure})${untrustedCertificateHint(failure, "the endpoint's")}; it was not sent`);
    }
    let payload: unknown;
    try {
      // Already read within the body limit: the envelope's own default (256 KiB) is not this node's.
      const decoded = decodeEnvelope(text, { maxBytes: this.options.maxBodyBytes });
      const fault = readFault(decoded.body);
      if (fault) throw new CommandFailed(`${operation} answered with a SOAP fault: ${fault.code}${fault.subcode ? `/${fault.subcode}` : ''} ${fault.reason}`);
      // An answer is a success; anything else the endpoint says with a failure is no answer.
      if (httpError) throw new CommandFailed(`${operation}: the charge point's endpoint ${endpoint} answered ${httpError} with ${decoded.bodyElement}, not a SOAP fault`);
      if (decoded.namespace !== OCPP15_CP_NS || operationOfResponseElement(decoded.bodyElement) !== operation) {
        throw new CommandFailed(`${operation} was answered with ${decoded.bodyElement} in ${decoded.namespace}`);
      }
      const read = readPayload(decoded.body, call.action.response);
      // Refused even from a lenient charge point: which of the values is its answer cannot be
      // known. (Until 2026-12-06 a status given twice read "must be string", and a lenient charge
      // point's answer reached the operator as "Accepted,Rejected".)
      if (read.repeated) throw new CommandFailed(`${operation} answer is invalid: ${violationText(read.repeated)}`);
      payload = read.payload;
    } catch (error) {
      if (error instanceof SoapFault) {
        log.warn({ operation, reason: error.reason, httpError }, 'unreadable SOAP answer to our command');
        // Until 2026-12-06 a 404 (an endpoint with a wrong path) read "not well-formed XML: no root element".
        if (httpError) throw new CommandFailed(`${operation}: the charge point's endpoint ${endpoint} answered ${httpError}, not a SOAP message (${error.reason})`);
        throw new CommandFailed(`${operation} was answered with an unreadable SOAP message: ${error.reason}`);
      }
      throw error;
    }
    return commandAnswer(adapter, call, command, payload as JsonObject, { log, isLenient: () => this.options.isLenient() });
  }
}
