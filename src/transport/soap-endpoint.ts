// The OCPP 1.5 SOAP CentralSystemService at POST /ocpp/soap: decodes the SOAP 1.2 envelope,
// identifies the charge point by its chargeBoxIdentity header, applies the same protocol rules as
// OCPP-J (dispatch.ts), and answers with a SOAP response or fault carrying WS-Addressing headers.
// A charge point's WS-Addressing From is kept as the endpoint its commands go to, unless an
// administrator set one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProtocolAdapter } from '../adapters/adapter.js';
import { answeredActivity, callActivity } from '../domain/activity.js';
import type { CommandRouter, CommandTarget, NodeRequests } from '../domain/commands.js';
import type { Domain } from '../domain/index.js';
import { SOAP_ENDPOINT_MAX_CHARS, type ChargePoint } from '../domain/model.js';
import type { SoapContact } from '../domain/registry.js';
import type { Logger } from '../log.js';
import { echoed } from '../ocpp/echo.js';
import { RpcError } from '../ocpp/rpc.js';
import { violationText } from '../ocpp/validate.js';
import {
  decodeBodyText,
  decodeEnvelope,
  encodeEnvelope,
  encodeFault,
  faultAddressing,
  faultForCode,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  ocppNamespaceInfo,
  operationOfRequestElement,
  payloadToXml,
  readPayload,
  responseAddressing,
  responseElementOf,
  SOAP12_CONTENT_TYPE,
  SoapFault,
  WSA_2004_ANONYMOUS,
  WSA_ANONYMOUS,
  WSA_NONE,
  WSA_NS,
  type DecodedEnvelope,
} from '../ocpp/soap/index.js';
import { soapRefusalReason, type AdmissionGate } from './admission.js';
import { dispatchInbound, inboundAction } from './dispatch.js';
import { decodeCarried, encodeCarried } from '../carried-body.js';
import type { InboundRates } from './rate-limit.js';
import { CarriedAnswer, CarriedMessage, SOAP_SERVICE } from './soap-carry.js';
import { addressRefusal, DEFAULT_ENDPOINT_NETWORKS, fromRefusal, sendRefusal, type EndpointNetworks } from './soap-endpoint-networks.js';
import { SoapCommandTarget } from './soap-target.js';
import { urlHost } from '../networks.js';
import { ChargePointNotConnected, CommandFailed } from '../domain/errors.js';

export interface SoapEndpointOptions {
  maxBodyBytes: number;
  callTimeoutMs: number;
  /** Commands waiting for one charge point beyond which a new one fails at once (default 10). */
  maxQueuedCommands?: number;
  /**
   * The networks a charge point's own From may name as its command endpoint, and those it may not
   * (TOMADA_SOAP_ENDPOINT_NETWORKS); absent: any but the node's own (DEFAULT_ENDPOINT_NETWORKS).
   */
  endpointNetworks?: EndpointNetworks;
}

export interface SoapEndpointDeps {
  domain: Domain;
  router: CommandRouter;
  adapter: ProtocolAdapter;
  /** Admission shared with the WebSocket listener: security profile, source address, failure limits. */
  admission: AdmissionGate;
  /** Each charge point's inbound message rate, shared with the WebSocket listener. */
  rates: InboundRates;
  log: Logger;
  options: SoapEndpointOptions;
  /** With several nodes: carries a message to the node holding its charge point, and answers those carried here. */
  nodes?: NodeRequests | undefined;
}

class BodyTooLarge extends Error {}

/** What a message's handling got to: the payload it dispatched, the answer it had. */
interface HandledCall {
  payload?: unknown;
  response?: Record<string, unknown>;
}

/** A message that may speak as its charge point: what it asks, and who that is. */
interface Admitted {
  operation: string;
  chargePoint: ChargePoint;
}

/** What a message gets back: an HTTP answer, or its connection cut (held offline by a campaign). */
interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** Close the connection after it (the request's body was not read whole). */
  close?: boolean;
  /** Its Retry-After header, in seconds. */
  retryAfterS?: number;
  /** Called once the answer is written: the message's activity. */
  sent?: () => void;
}
type Answer = HttpAnswer | { drop: true };

/** How SOAP frames are labelled in the journal. */
const SOAP_PROTOCOL = 'ocpp1.5-soap';
/**
 * How long a node waits for the holder's answer to a message it carried there before handling it
 * itself. A carried message was answered in 3.8–5.5 ms at p50 and 9.5–13.8 ms at p99, one at a time
 * (docs/PERFORMANCE-LOG.md); 10 s leaves room for a loaded holder, not for a stalled one.
 */
const CARRY_WITHIN_MS = 10_000;

/** A fault as an HTTP answer, addressed to the message it answers when that could be read. */
function faultAnswer(fault: SoapFault, answering: Parameters<typeof faultAddressing>[0] | undefined): HttpAnswer {
  const tooLarge = fault.subcode === 'MessageTooLarge';
  return {
    status: tooLarge ? 413 : fault.httpStatus,
    contentType: fault.contentType,
    body: encodeFault(fault, answering ? faultAddressing(answering) : undefined),
    // Its body is still being read and dropped.
    ...(tooLarge ? { close: true } : {}),
  };
}

/** The holder's answer to a carried message, as it goes back over NATS (soap-carry.ts). */
const carriedAnswer = ({ status, contentType, body, retryAfterS }: HttpAnswer): CarriedAnswer => ({
  status,
  contentType,
  body,
  ...(retryAfterS === undefined ? {} : { retryAfterS }),
});

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBytes) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        // Not request.destroy(): that resets the connection before the 413 fault can be sent.
        // The rest is read and dropped while the fault goes out with Connection: close.
        tooLarge = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * WS-Addressing's addresses that name no endpoint, in both versions Tomada reads (2004/08 has no
 * "none"), as URL parsing writes them, so that `HTTP://WWW.W3.ORG/…` is one of them too.
 */
const ADDRESSES_OF_NO_ENDPOINT = new Set([WSA_ANONYMOUS, WSA_NONE, WSA_2004_ANONYMOUS].map((address) => new URL(address).href));

/**
 * An address commands can be posted to: an http or https URL, its scheme in any case (RFC 3986
 * §3.1), not one of WS-Addressing's anonymous or none addresses. Kept as the charge point wrote it.
 */
function usableEndpoint(address: string | undefined): string | undefined {
  if (!address || !URL.canParse(address)) return undefined;
  const url = new URL(address);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return ADDRESSES_OF_NO_ENDPOINT.has(url.href) ? undefined : address;
}

/** Hosts of one charge point's refused From addresses recorded as events, at most (then only logged). */
const REFUSED_HOSTS_RECORDED = 10;

export class SoapEndpoint {
  /** What this node last recorded of each SOAP charge point, so unchanged contacts write nothing. */
  private readonly contacts = new Map<string, string>();
  /**
   * The command target of each SOAP charge point with commands waiting or in flight from this
   * node: one queue per charge point, however its commands arrive (held here, resolved for one
   * command, from another node), so this node sends them one at a time and caps them. Dropped when
   * idle, so it holds no more than the charge points being commanded. Not replaced when the
   * endpoint changes: the target reads the endpoint before each command.
   */
  private readonly targets = new Map<string, SoapCommandTarget>();
  /**
   * The hosts of each charge point's From addresses refused as its endpoint, so that a host is one
   * event however often it is sent, and a charge point that varies its From makes a few events,
   * not one per message.
   */
  private readonly refusedHosts = new Map<string, Set<string>>();

  constructor(private readonly deps: SoapEndpointDeps) {
    deps.nodes?.serve(SOAP_SERVICE, (data) => this.answerCarried(data));
  }

  /**
   * Makes this node the SOAP charge point's holder (a validation campaign is about to run here),
   * so the other nodes carry its messages here and its commands go through this node's queue.
   */
  hold(chargePointId: string): void {
    this.deps.router.attach(chargePointId, this.commandsTo(chargePointId));
  }

  /**
   * A command target for a SOAP charge point this node does not hold (not heard from since it
   * started, or never with an endpoint). Without an endpoint its command is refused (409) saying
   * why, where "is not connected" said nothing of a From that was not taken.
   */
  targetFor(chargePoint: ChargePoint): CommandTarget | undefined {
    if (chargePoint.transport !== 'soap') return undefined;
    return this.commandsTo(chargePoint.id);
  }

  /**
   * Why a SOAP charge point has no endpoint, when its From was refused: read from its latest
   * soapEndpointRefused event, so any node, after any restart, can say it.
   */
  private async noEndpoint(chargePointId: string): Promise<ChargePointNotConnected> {
    const refused = await this.deps.domain.registry.refusedEndpoint(chargePointId);
    const why = refused
      ? `: its From ${refused.from} was not taken (${refused.reason ?? 'outside TOMADA_SOAP_ENDPOINT_NETWORKS'}); allow its network in TOMADA_SOAP_ENDPOINT_NETWORKS, or have an administrator set its soapEndpoint`
      : ': it has named none in a WS-Addressing From; an administrator may set its soapEndpoint';
    return new ChargePointNotConnected(`Charge point "${chargePointId}" has no SOAP endpoint to send commands to${why}`);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { options } = this.deps;
    const arrived = performance.now();
    const remote = request.socket.remoteAddress;
    let decoded: DecodedEnvelope | undefined;
    let answer: Answer;
    try {
      let bytes: Buffer;
      try {
        bytes = await readBody(request, options.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          throw new SoapFault('Sender', `The message is larger than ${options.maxBodyBytes} bytes`, { subcode: 'MessageTooLarge' });
        }
        // The connection ended before the message did (a cellular link lost mid-POST): there is
        // no message to journal, and no one to answer. (Until 2026-12-06 it was logged as a failure
        // of the central system, and an InternalError fault nobody received was journaled.)
        this.deps.log.info({ remote, reason: (error as Error).message }, 'a SOAP message was cut off before its end: nothing to answer');
        return void request.socket.destroy();
      }
      let text: string | undefined;
      try {
        text = decodeBodyText(bytes, request.headers['content-type']);
        decoded = decodeEnvelope(text, { maxBytes: options.maxBodyBytes });
      } catch (error) {
        // Unreadable: it reports nothing, but it crossed the wire, so it is journaled: as the text
        // it was read as (every journaled frame is UTF-8), or its bytes when they are not text.
        this.deps.domain.journal.record({ chargePointId: null, protocol: SOAP_PROTOCOL, bytes: text ?? bytes }, 'in');
        throw error;
      }
      const message = decoded;
      const chargePointId = message.headers.chargeBoxIdentity ?? null;
      // Held offline by a validation campaign: the message is lost as on a dead network link.
      if (chargePointId !== null && this.deps.domain.holds.isHeld(chargePointId)) return void request.socket.destroy();
      // Who it claims to be is checked before anything is filed under that name: a message refused
      // here is journaled as no one's. (Filed under the claimed id, a stranger's message showed in
      // that charge point's frames; an id too long for the journal's index failed the batch of
      // every charge point that shared it.)
      let admitted: Admitted;
      try {
        admitted = await this.admitMessage(message, request);
      } catch (error) {
        this.deps.domain.journal.record({ chargePointId: null, protocol: SOAP_PROTOCOL, bytes: text }, 'in');
        throw error;
      }
      answer = (await this.carryToHolder(admitted.chargePoint.id, text, remote)) ?? (await this.exchange(text, message, admitted, arrived, remote));
    } catch (error) {
      answer = this.refuse(error, decoded, remote);
    }
    if ('drop' in answer) return void request.socket.destroy();
    if (response.headersSent) return;
    // With its length, not chunked: a charge point's small HTTP client may not read chunks (until
    // 2026-12-06 every answer and fault went chunked).
    response.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': Buffer.byteLength(answer.body),
      ...(answer.close ? { connection: 'close' } : {}),
      ...(answer.retryAfterS === undefined ? {} : { 'retry-after': String(answer.retryAfterS) }),
    });
    response.end(answer.body);
    answer.sent?.();
  }

  /**
   * A message refused before it was admitted: its fault, journaled as no one's (a message that
   * may not speak as its charge point is not filed under that name), and no activity.
   */
  private refuse(error: unknown, decoded: DecodedEnvelope | undefined, remote: string | undefined): HttpAnswer {
    const fault = this.faultOf(error, decoded?.headers.chargeBoxIdentity, remote);
    const answer = faultAnswer(fault, decoded ?? fault.answering);
    this.deps.domain.journal.record({ chargePointId: null, protocol: SOAP_PROTOCOL, bytes: answer.body }, 'out');
    return answer;
  }

  /** The fault an error becomes, logged. */
  private faultOf(error: unknown, chargePointId: string | undefined, remote: string | undefined): SoapFault {
    const fault = error instanceof SoapFault ? error : faultForCode('InternalError', 'The central system could not handle this message');
    if (!(error instanceof SoapFault)) this.deps.log.error({ err: error, chargePointId }, 'SOAP request failed');
    this.deps.log.warn({ chargePointId, code: fault.code, subcode: fault.subcode, reason: fault.reason, remote }, 'SOAP request refused with a fault');
    return fault;
  }

  /**
   * An admitted message, handled here: journaled in the same commit as what it reports, and its
   * answer (or fault) journaled before it leaves. Never throws: a failure is the message's fault.
   */
  private async exchange(text: string, message: DecodedEnvelope, admitted: Admitted, arrived: number, remote: string | undefined): Promise<HttpAnswer> {
    const { journal } = this.deps.domain;
    const chargePointId = message.headers.chargeBoxIdentity ?? null;
    const overRate = this.overRate(text, message, admitted.chargePoint.id, arrived, remote);
    if (overRate) return overRate;
    // `handled` names the message to the store: one answer per message (Store.withFrames).
    const handled: HandledCall = {};
    let answerJournaled = false;
    try {
      const xml = await journal.received({ chargePointId, protocol: SOAP_PROTOCOL, bytes: text }, handled, () => this.answer(message, admitted, handled));
      answerJournaled = true;
      await journal.answered({ chargePointId, protocol: SOAP_PROTOCOL, bytes: xml }, handled);
      return { status: 200, contentType: `${SOAP12_CONTENT_TYPE}; charset=utf-8`, body: xml, sent: () => this.answered(message, arrived, handled) };
    } catch (error) {
      const fault = this.faultOf(error, chargePointId ?? undefined, remote);
      const answer = faultAnswer(fault, message);
      const frame = { chargePointId, protocol: SOAP_PROTOCOL, bytes: answer.body };
      // A fault answering a readable message is journaled before it leaves, like any answer. When
      // its answer could not be journaled, that answer was the message's: the fault is recorded on
      // its own (and so counted as sent once), as a JSON connection's InternalError is; it is sent
      // either way.
      if (!answerJournaled) {
        await journal.answered(frame, handled).catch((e: unknown) => {
          this.deps.log.error({ err: e, chargePointId }, 'could not journal a fault');
          journal.record(frame, 'out');
        });
      } else journal.record(frame, 'out');
      return { ...answer, sent: () => this.answered(message, arrived, handled, fault.subcode ?? fault.code) };
    }
  }

  /**
   * The answer to a message over its charge point's rate (TOMADA_MAX_MESSAGES_PER_SECOND and
   * TOMADA_MESSAGE_BURST, the bucket its OCPP-J frames take from too), or undefined when it is
   * within it. A SOAP message cannot wait unread as a WebSocket frame does (the charge point's
   * HTTP client times out, and every message waiting would be held in memory), so it is refused,
   * nothing of it stored, for the charge point to send again: WS-Addressing's Receiver fault
   * EndpointUnavailable with its RetryAfter, in an HTTP 503 with Retry-After (docs/PROTOCOL.md
   * says why). Taken where the message is handled: on the node holding the charge point, so one
   * bucket counts its messages whichever node they reach.
   */
  private overRate(text: string, message: DecodedEnvelope, chargePointId: string, arrived: number, remote: string | undefined): HttpAnswer | undefined {
    const bucket = this.deps.rates.bucketFor(chargePointId);
    if (!bucket || bucket.tryTake()) return undefined;
    const retryAfterMs = Math.max(1, bucket.msUntilToken());
    const fault = new SoapFault('Receiver', `Too many messages from this charge point (more than ${bucket.ratePerS} a second): this one was not handled; send it again after ${retryAfterMs} ms`, {
      subcode: 'EndpointUnavailable',
      subcodeNamespace: message.addressingNamespace ?? WSA_NS,
      retryAfterMs,
    });
    this.deps.log[bucket.warningDue() ? 'warn' : 'debug']({ chargePointId, remote, ratePerS: bucket.ratePerS, retryAfterMs }, 'SOAP message over its charge point\'s rate: refused, to be sent again');
    const answer = faultAnswer(fault, message);
    const { journal } = this.deps.domain;
    journal.record({ chargePointId, protocol: SOAP_PROTOCOL, bytes: text }, 'in');
    journal.record({ chargePointId, protocol: SOAP_PROTOCOL, bytes: answer.body }, 'out');
    return { ...answer, status: 503, retryAfterS: Math.ceil(retryAfterMs / 1000), sent: () => this.answered(message, arrived, {}, fault.subcode) };
  }

  /**
   * With several nodes, a message of a SOAP charge point another node holds is handled there, as
   * a WebSocket charge point's messages are handled by the node holding its connection: its
   * validation campaign, its offline hold and its command queue are that node's. The holder's
   * answer, or undefined when the message could not be carried there (NATS down, no such node, no
   * answer in time): it is then handled here, so nothing is lost. A message handled twice that way
   * (the holder stored it but its answer never came back) is a resend, which changes nothing.
   */
  private async carryToHolder(chargePointId: string, text: string, remote: string | undefined): Promise<Answer | undefined> {
    const { nodes, router, log } = this.deps;
    const holder = router.holderOf?.(chargePointId);
    if (!nodes || holder === undefined || holder === nodes.nodeId) return undefined;
    const message: CarriedMessage = { from: nodes.nodeId, text, ...(remote !== undefined ? { remote } : {}) };
    try {
      const answer = decodeCarried(CarriedAnswer, await nodes.ask(holder, SOAP_SERVICE, encodeCarried(message), CARRY_WITHIN_MS));
      if (answer) return answer;
      log.warn({ chargePointId, holder }, 'the node holding a SOAP charge point gave an unreadable answer to its message: handled here');
    } catch (error) {
      log.warn({ chargePointId, holder, err: (error as Error).message }, 'could not carry a SOAP message to the node holding its charge point: handled here');
    }
    return undefined;
  }

  /** A message another node carried here (carryToHolder there): handled as if it had arrived here, never carried again. */
  private async answerCarried(data: Uint8Array): Promise<Uint8Array> {
    const arrived = performance.now();
    const carried = decodeCarried(CarriedMessage, data);
    if (!carried) return encodeCarried(carriedAnswer(this.refuse(new Error('an unreadable message carried from another node'), undefined, undefined)));
    let decoded: DecodedEnvelope | undefined;
    try {
      decoded = decodeEnvelope(carried.text, { maxBytes: this.deps.options.maxBodyBytes });
      const chargePointId = decoded.headers.chargeBoxIdentity;
      const operation = operationOfRequestElement(decoded.bodyElement);
      if (!chargePointId || !operation) throw faultForCode('ProtocolError', 'The message carried from another node names no charge point or operation');
      if (this.deps.domain.holds.isHeld(chargePointId)) return encodeCarried({ drop: true });
      // Admitted by the node it reached; read again here for what the handling needs of it.
      const chargePoint = await this.deps.domain.registry.chargePoint(chargePointId);
      if (!chargePoint) throw faultForCode('SecurityError', `Charge point "${chargePointId}" is not registered`);
      const answer = await this.exchange(carried.text, decoded, { operation, chargePoint }, arrived, carried.remote);
      answer.sent?.();
      return encodeCarried(carriedAnswer(answer));
    } catch (error) {
      // Refused here, though admitted where it arrived: journaled as no one's, as a message refused before its admission is.
      this.deps.domain.journal.record({ chargePointId: null, protocol: SOAP_PROTOCOL, bytes: carried.text }, 'in');
      return encodeCarried(carriedAnswer(this.refuse(error, decoded, carried.remote)));
    }
  }

  /**
   * The answer was sent: the call (when it reached dispatch) and how long its message waited go to
   * the activity feed (metrics, live views, campaigns), now that what it stored is durable.
   */
  private answered(message: DecodedEnvelope, arrived: number, handled: HandledCall, errorCode?: string): void {
    const chargePointId = message.headers.chargeBoxIdentity;
    const { activity } = this.deps.domain;
    if (!chargePointId || !activity.listened) return;
    const action = operationOfRequestElement(message.bodyElement) ?? 'unknown';
    if (handled.payload !== undefined) {
      activity.emit(callActivity(chargePointId, this.deps.adapter.ocppVersion, action, handled.payload, { response: handled.response, errorCode }));
    }
    activity.emit(answeredActivity(chargePointId, action, (performance.now() - arrived) / 1000, errorCode));
  }

  /** The message's operation and charge point, once it may speak as that charge point; a fault otherwise. */
  private async admitMessage(decoded: DecodedEnvelope, request: IncomingMessage): Promise<Admitted> {
    const version = ocppNamespaceInfo(decoded.namespace);
    if (version?.version !== '1.5' || version.service !== 'centralSystem') {
      throw faultForCode('NotSupported', `Only the OCPP 1.5 CentralSystemService (${OCPP15_CS_NS}) is served here, not ${decoded.namespace}`);
    }
    const operation = operationOfRequestElement(decoded.bodyElement);
    if (!operation) throw faultForCode('NotImplemented', `Unknown operation element ${echoed(decoded.bodyElement)}`);
    const chargePointId = decoded.headers.chargeBoxIdentity;
    if (!chargePointId) throw faultForCode('ProtocolError', 'The chargeBoxIdentity header is required');

    const admission = await this.deps.admission.admit(chargePointId, request, 'soap');
    if (!admission.admitted) throw faultForCode('SecurityError', soapRefusalReason(admission.refusal, chargePointId));
    const chargePoint = admission.chargePoint;
    // One live connection per id: a charge point connected over WebSocket cannot also speak SOAP
    // (nor can someone else take over its command route that way).
    if (chargePoint.transport === 'json' && this.deps.router.isConnected(chargePointId)) {
      throw faultForCode('SecurityError', `Charge point "${chargePointId}" is connected over WebSocket`);
    }
    return { operation, chargePoint };
  }

  private async answer(decoded: DecodedEnvelope, { operation, chargePoint }: Admitted, handled: HandledCall): Promise<string> {
    const { domain, adapter, log } = this.deps;
    const chargePointId = chargePoint.id;
    const chargeLog = log.child({ chargePointId });
    try {
      const action = inboundAction(adapter, operation);
      const { payload, repeated } = readPayload(decoded.body, action.request);
      handled.payload = payload;
      // Refused whether or not the charge point is lenient, as a wrong count is from OCPP-J.
      if (repeated) throw new RpcError(repeated.code, violationText(repeated));
      const dispatched = await dispatchInbound(
        {
          adapter,
          domain,
          chargePointId,
          log: chargeLog,
          transport: 'soap',
          registration: chargePoint.registrationStatus,
          softwareHold: () => domain.registry.softwareHold(chargePoint, { ocppVersion: '1.5', transport: 'soap' }),
          isLenient: async () => chargePoint.lenient,
        },
        operation,
        payload,
      );
      handled.response = dispatched.response;
      // Only a message that was accepted may change where its charge point is reached, and in
      // which WS-Addressing its commands are written (as its answers are: a stack that knows only
      // 2004/08 reads no Action or MessageID of 1.0). A message without WS-Addressing changes
      // neither, and its From does not replace an administrator's endpoint (a charge point behind
      // NAT names its private address).
      const endpoint = chargePoint.soapEndpointSetByAdministrator ? undefined : await this.ownEndpoint(chargePoint.id, decoded.headers.from);
      await this.recordContact(chargePoint, { endpoint, addressing: decoded.addressingNamespace });
      return encodeEnvelope({
        namespace: OCPP15_CS_NS,
        headers: responseAddressing(decoded, operation),
        bodyXml: payloadToXml(dispatched.response, action.response, responseElementOf(operation), OCPP_PREFIX),
      });
    } catch (error) {
      if (error instanceof RpcError) throw faultForCode(error.code, error.message);
      throw error;
    }
  }

  /**
   * The endpoint the charge point's From names, when the networks allow it (soap-endpoint-networks.ts).
   * One refused is not taken (commands keep going where they went) and is recorded as an event,
   * once per host: a charge point must not make the central system send requests, and keep their
   * answers in its journal, to any address it likes.
   */
  private async ownEndpoint(chargePointId: string, from: string | undefined): Promise<string | undefined> {
    const endpoint = usableEndpoint(from);
    const networks = this.endpointNetworks;
    const why = endpoint === undefined ? undefined : fromRefusal(endpoint, networks);
    if (endpoint === undefined || why === undefined) return endpoint;
    const host = urlHost(endpoint) ?? endpoint;
    const refused = this.refusedHosts.get(chargePointId) ?? new Set<string>();
    this.refusedHosts.set(chargePointId, refused);
    if (refused.has(host) || refused.size > REFUSED_HOSTS_RECORDED) return undefined;
    refused.add(host);
    if (refused.size > REFUSED_HOSTS_RECORDED) {
      this.deps.log.warn({ chargePointId }, `SOAP From refused by TOMADA_SOAP_ENDPOINT_NETWORKS naming a host beyond the first ${REFUSED_HOSTS_RECORDED}: not taken, and no longer recorded for this charge point until the node restarts`);
      return undefined;
    }
    // A From refused for its length is no text to log or keep whole: cut short.
    const shown = endpoint.length > SOAP_ENDPOINT_MAX_CHARS ? echoed(endpoint) : endpoint;
    this.deps.log.warn({ chargePointId, from: shown, reason: why }, 'SOAP From not taken as the command endpoint');
    try {
      await this.deps.domain.registry.note(chargePointId, 'soapEndpointRefused', { from: shown, reason: why, networks: [...networks.allowed] });
    } catch (error) {
      // Not stored: the host is recorded at the message's resend, not taken as done.
      refused.delete(host);
      throw error;
    }
    return undefined;
  }

  private get endpointNetworks(): EndpointNetworks {
    return this.deps.options.endpointNetworks ?? DEFAULT_ENDPOINT_NETWORKS;
  }

  /**
   * Notes version, transport, endpoint and WS-Addressing (events on change) and makes the charge
   * point commandable. `soap`: what its message gave; undefined leaves the stored value.
   */
  private async recordContact(chargePoint: ChargePoint, soap: SoapContact): Promise<void> {
    const { endpoint, addressing } = soap;
    const reachedAt = endpoint ?? chargePoint.soapEndpoint ?? undefined;
    const contact = `1.5 soap ${reachedAt ?? ''} ${addressing ?? chargePoint.soapAddressing ?? ''}`;
    // The stored row is checked too: it may have changed since this node recorded the contact (an
    // administrator's edit, a message handled by another node).
    const stored =
      chargePoint.ocppVersion === '1.5' &&
      chargePoint.transport === 'soap' &&
      (endpoint === undefined || chargePoint.soapEndpoint === endpoint) &&
      (addressing === undefined || chargePoint.soapAddressing === addressing);
    const changed = !(stored && this.contacts.get(chargePoint.id) === contact);
    if (changed) {
      await this.deps.domain.registry.connected(chargePoint.id, '1.5', 'soap', soap);
      this.contacts.set(chargePoint.id, contact);
    }
    // One node: held from its first contact. Several: see unheld, asked at every message.
    if (reachedAt && (this.deps.nodes ? this.unheld(chargePoint.id) : changed)) this.deps.router.attach(chargePoint.id, this.commandsTo(chargePoint.id));
  }

  /**
   * With several nodes, whether handling one of a charge point's messages makes this node its
   * holder: only when no node holds it, as far as a node connected to NATS knows. So a message
   * handled here because its holder could not be asked, or while this node is cut off from NATS
   * and knows nothing of the others, never takes the charge point from its holder (nor from the
   * validation campaign running there); and a charge point left unheld (first heard while NATS
   * was down, or its holder lost) is held again by the next node that handles one of its messages.
   * A lookup per node per message while it is held.
   */
  private unheld(chargePointId: string): boolean {
    const { router } = this.deps;
    return router.holderOf?.(chargePointId) === undefined && router.cluster?.().natsUp === true;
  }

  /** Commands to a SOAP charge point, through its one target on this node. */
  private commandsTo(chargePointId: string): CommandTarget {
    return {
      execute: (command, sendBy) => {
        const target = this.targets.get(chargePointId) ?? this.newTarget(chargePointId);
        this.targets.set(chargePointId, target);
        return target.execute(command, sendBy).finally(() => {
          if (target.idle && this.targets.get(chargePointId) === target) this.targets.delete(chargePointId);
        });
      },
    };
  }

  private newTarget(chargePointId: string): SoapCommandTarget {
    const { adapter, log, options, domain } = this.deps;
    return new SoapCommandTarget({
      chargePointId,
      adapter,
      log: log.child({ chargePointId }),
      callTimeoutMs: options.callTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      maxQueuedCommands: options.maxQueuedCommands,
      record: (text, direction) => domain.journal.record({ chargePointId, protocol: SOAP_PROTOCOL, bytes: text }, direction),
      endpoint: async () => {
        const chargePoint = await domain.registry.chargePoint(chargePointId);
        if (!chargePoint?.soapEndpoint) throw await this.noEndpoint(chargePointId);
        // A From's endpoint is checked again as each command goes: a name may resolve elsewhere
        // now, and one taken before the networks were set was never checked against them.
        const refused = chargePoint.soapEndpointSetByAdministrator ? undefined : await sendRefusal(chargePoint.soapEndpoint, this.endpointNetworks);
        if (refused) throw new CommandFailed(`the endpoint ${chargePoint.soapEndpoint} that charge point "${chargePointId}" named in its From is not sent commands: ${refused}; an administrator may set its soapEndpoint`);
        // And again on the address the command's connection opens to, which a name may change
        // between this check and that connection (DNS rebinding).
        const networks = this.endpointNetworks;
        const checked = !chargePoint.soapEndpointSetByAdministrator && (networks.allowed.length > 0 || networks.denied.length > 0);
        return {
          url: chargePoint.soapEndpoint,
          addressingNamespace: chargePoint.soapAddressing ?? undefined,
          refusal: checked ? (address: string) => addressRefusal(address, networks) : undefined,
        };
      },
      isLenient: async () => (await domain.registry.chargePoint(chargePointId))?.lenient ?? false,
    });
  }
}
