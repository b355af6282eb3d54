// Assembles one Tomada node: store → domain → router → OCPP listener and operator API.
import type { FastifyInstance } from 'fastify';
import { ocpp15Adapter, ocpp15JsonAdapter } from './adapters/v15.js';
import { ocpp16Adapter } from './adapters/v16.js';
import { buildApi } from './api/server.js';
import type { ClusterRouter } from './cluster/cluster-router.js';
import { LocalRouter, type TargetResolver } from './cluster/local-router.js';
import { readTlsMaterial, type Config } from './config.js';
import { createDomain, type Domain } from './domain/index.js';
import type { Logger } from './log.js';
import { TomadaMetrics } from './metrics/tomada.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import { AdmissionGate } from './transport/admission.js';
import { FailureLimiter } from './transport/auth-failures.js';
import { OcppServer } from './transport/ocpp-server.js';
import { InboundRates } from './transport/rate-limit.js';
import { SoapEndpoint } from './transport/soap-endpoint.js';
import { Events } from './events/events.js';
import { WebhookDeliverer } from './events/webhooks.js';
import { Campaigns } from './validation/campaign.js';
import { LeftRunningStops } from './validation/left-running.js';
import { SoftwareRegistry } from './validation/software.js';

import { VERSION } from './version.js';
import { urlForLog, urlListForLog } from './url-for-log.js';

export { VERSION };

/** How long /ready waits for the write probe it starts while writes fail (load balancers' checks time out after a few seconds). */
const READY_PROBE_WAIT_MS = 1_000;
/**
 * How long /ready waits for its read of the store. A link to PostgreSQL that went silent (nothing
 * answers, nothing closes) held the read for the 30 s query timeout, past any load balancer's check.
 */
const READY_READ_WAIT_MS = 2_000;

/** Whether `read` succeeds within `ms`: one still running then counts as failed, and ends by itself. */
async function succeedsWithin(read: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([read.then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RunningTomada {
  ocppPort: number;
  /** Several nodes: this node's router over NATS (undefined when TOMADA_NATS_URL is unset). */
  cluster: ClusterRouter | undefined;
  /** The TLS OCPP listener's port (wss://, https://), when a certificate is configured. */
  ocppTlsPort: number | undefined;
  httpPort: number;
  /** A first admin token made at this start (no TOMADA_ADMIN_TOKEN and no token stored yet). */
  generatedAdminToken: string | undefined;
  domain: Domain;
  store: Store;
  campaigns: Campaigns;
  software: SoftwareRegistry;
  events: Events;
  webhooks: WebhookDeliverer;
  metrics: TomadaMetrics;
  stop(): Promise<void>;
}

export async function startTomada(config: Config, log: Logger): Promise<RunningTomada> {
  // Read first: an unreadable certificate stops the start before anything is opened.
  const tls = config.tls && readTlsMaterial(config.tls);
  const metrics = new TomadaMetrics(VERSION);
  const store = await openStore(config.databaseUrl, {
    journalKey: config.journalKey,
    observer: metrics.storeObserver,
    poolSize: config.databasePoolSize,
    commitDelayMs: config.commitDelayMs,
    commitIntervalMs: config.commitIntervalMs,
    log,
    node: config.cluster?.nodeId,
  });
  let soap: SoapEndpoint | undefined;
  // A SOAP charge point takes commands at its endpoint, from any node.
  const soapTarget: TargetResolver = async (id) => {
    const chargePoint = await store.getChargePoint(id);
    return chargePoint && soap?.targetFor(chargePoint);
  };
  // Campaigns are made further down; a node judged lost before then has none of theirs to close here.
  let campaignsOfLostNodes: ((node: string) => void) | undefined;
  // Likewise the stops of sessions left running: a note heard before then is in the store, which their first read finds.
  let heardLeftRunning: ((chargePointId: string, atOnce: boolean) => void) | undefined;
  const cluster =
    config.cluster &&
    (await startCluster(config, store, soapTarget, log, {
      lost: (node) => campaignsOfLostNodes?.(node),
      sessionsLeftRunning: (id, atOnce) => heardLeftRunning?.(id, atOnce),
    }));
  const router = metrics.instrumentRouter(cluster ?? new LocalRouter(soapTarget, { sendWithinMs: sendWithinMs(config) }));
  const domain = createDomain(
    store,
    router,
    {
      unknownChargePoints: config.unknownChargePoints,
      heartbeatIntervalS: config.heartbeatIntervalS,
      bootRetryIntervalS: config.bootRetryIntervalS,
      meterKeyFromMessage: config.meterKeyFromMessage,
      unvalidatedSoftware: config.unvalidatedSoftware,
    },
    log,
  );
  const software = new SoftwareRegistry(store);
  const events = new Events(store, config.webhookDeniedNetworks);
  // One node at a time delivers a webhook: each names itself in its leases.
  const webhooks = new WebhookDeliverer(store, log.child({ component: 'webhooks' }), {
    deniedNetworks: config.webhookDeniedNetworks,
    ...(config.cluster ? { node: config.cluster.nodeId } : {}),
  });
  const campaigns = new Campaigns({
    store,
    registry: domain.registry,
    commands: domain.commands,
    transactions: domain.transactions,
    activity: domain.activity,
    holds: domain.holds,
    software,
    // Connected to this node: with several nodes, router.isConnected counts any node's charge points.
    isConnected: (id) => (cluster ? cluster.holderOf(id) === cluster.nodeId : router.isConnected(id)),
    holderOf: (id) => router.holderOf?.(id),
    // With several nodes only: on one node every message reaches the node running the campaign.
    ...(cluster ? { holdSoap: (id: string) => soap?.hold(id) } : {}),
    unvalidatedSoftware: config.unvalidatedSoftware,
    log: log.child({ component: 'validation' }),
    sessionsLeft: (id) => leftRunning.leftBy(id),
    sessionsNoted: (id) => leftRunning.noted(id),
    node: config.cluster?.nodeId,
  });
  // The sessions ended campaigns left running are stopped at their charge point's return, on the node it returns to.
  const leftRunning = new LeftRunningStops({
    store,
    commands: domain.commands,
    activity: domain.activity,
    campaignRunning: (id) => campaigns.runsAnywhere(id),
    reachable: (id) => (cluster ? cluster.holderOf(id) === cluster.nodeId : router.isConnected(id)),
    log: log.child({ component: 'validation' }),
    refreshMs: config.leftRunningRefreshMs,
    // The charge point may return to another node first: told over NATS, it stops them there too.
    ...(cluster ? { tellOtherNodes: (id: string, atOnce: boolean) => cluster.tellSessionsLeftRunning(id, atOnce) } : {}),
  });
  heardLeftRunning = (id, atOnce) => leftRunning.heard(id, atOnce);
  leftRunning.start();
  // Campaigns of a node that no node here ever heard from (killed before this one started, under
  // an id no process takes again) are closed once this node has heard every live node: it has
  // listened on a working link for as long as a node is judged lost after, and a heartbeat more.
  // Counted from the link's connection, not the start: a link that came up late (NATS down at the
  // start, or a drop, which empties the view) has not heard the live nodes yet.
  let notLiveSweep: NodeJS.Timeout | undefined;
  const sweepNodesNotLive = (hearEveryoneMs: number) => {
    if (!cluster) return;
    const leftMs = hearEveryoneMs - cluster.listeningForMs();
    if (leftMs > 0) return void (notLiveSweep = setTimeout(() => sweepNodesNotLive(hearEveryoneMs), leftMs).unref());
    campaigns.closeOfNodesNotLive(new Set([cluster.nodeId, ...cluster.liveNodes()])).then(
      (closed) => closed > 0 && log.warn({ closed }, 'validation campaigns of nodes no longer running were closed as incomplete'),
      (error: unknown) => log.error({ err: error }, 'could not close the validation campaigns of nodes no longer running'),
    );
  };
  if (cluster) sweepNodesNotLive(cluster.lostAfterMs + config.cluster!.heartbeatMs);
  campaignsOfLostNodes = (node) => {
    campaigns.closeLostNodes(node).then(
      // `lostNode`, as the cluster's own "node lost" line: `node` names the node that logs.
      (closed) => closed > 0 && log.warn({ lostNode: node, closed }, 'validation campaigns of a lost node were closed as incomplete'),
      (error: unknown) => log.error({ err: error, lostNode: node }, 'could not close the validation campaigns of a lost node'),
    );
  };
  metrics.watchConnections(() => domain.views.connectedProtocols());
  metrics.observe(domain.activity);
  // The first administrator token is made once the listeners are open (below).
  const { retired } = await domain.apiTokens.applyConfiguredAdmin(config.adminToken);
  if (retired) {
    log.warn({ tokenId: 'admin-env' }, 'TOMADA_ADMIN_TOKEN is not set: the administrator token it set is revoked (in a cluster, set it on every node or on none)');
  }
  // One admission for both transports, so failures over SOAP and WebSocket count together.
  const admission = new AdmissionGate({
    registry: domain.registry,
    failures: new FailureLimiter({ limit: config.authFailureLimit, windowMs: config.authFailureWindowS * 1000 }),
    log,
    clientCertificates: tls?.ca !== undefined,
  });
  // One bucket per charge point, whichever transport it speaks (or moves to).
  const rates = new InboundRates(config.maxMessagesPerSecond, config.messageBurst);
  soap = new SoapEndpoint({
    domain,
    router,
    adapter: ocpp15Adapter,
    admission,
    rates,
    log,
    options: {
      maxBodyBytes: config.maxFrameBytes,
      callTimeoutMs: config.callTimeoutMs,
      maxQueuedCommands: config.maxQueuedCommands,
      endpointNetworks: config.soapEndpointNetworks,
    },
    nodes: cluster || undefined,
  });
  const ocpp = new OcppServer({
    domain,
    router,
    // Preference order when a charge point offers several: the newest version first.
    adapters: [ocpp16Adapter, ocpp15JsonAdapter],
    soap,
    admission,
    rates,
    log,
    options: {
      callTimeoutMs: config.callTimeoutMs,
      pingIntervalMs: config.pingIntervalMs,
      maxFrameBytes: config.maxFrameBytes,
      inboundHighWater: 100,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxQueuedCommands: config.maxQueuedCommands,
      maxCallsInFlight: config.maxCallsInFlight,
    },
  });
  metrics.watchCalls(ocpp.callGate);
  let api: FastifyInstance | undefined;
  try {
    let stopping: Promise<void> | undefined;
    const ocppPort = await ocpp.listen(config.ocppPort, config.host);
    const ocppTlsPort = tls ? await ocpp.listenTls(config.ocppTlsPort, config.host, tls) : undefined;
    api = await buildApi({
      domain,
      campaigns,
      carry: cluster && { nodes: cluster, answerWithinMs: 2 * config.callTimeoutMs + 5_000 },
      software,
      events,
      log,
      version: VERSION,
      metrics,
      connections: { total: config.httpMaxConnections, perAddress: config.httpMaxConnectionsPerAddress || undefined },
      readiness: async () => ({
        store: await succeedsWithin(store.countApiTokens(), READY_READ_WAIT_MS),
        // Reads may work while writes fail (a full disk, a sync that failed): every call would
        // then be answered InternalError, so the node is not ready for charge points. The probe
        // this check starts is waited for, a second at most, so the first check once writes work
        // says ready (until 2026-12-07 the one after it did).
        storeWrites: (await store.writesFailingAfterProbe(READY_PROBE_WAIT_MS)) === undefined,
        ocppListeners: ocpp.listening,
      }),
    });
    await api.listen({ port: config.httpPort, host: config.host });
    const address = api.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
    const generated = config.adminToken === undefined ? await domain.apiTokens.firstAdminIfNeeded(retired) : undefined;
    // A node alone closes every campaign left running; in a cluster, those its own previous run left.
    const interrupted = await campaigns.closeInterrupted(config.cluster?.nodeId);
    if (interrupted > 0) log.warn({ interrupted }, 'validation campaigns interrupted by the last stop were closed as incomplete');
    if (config.webhookDelivery) webhooks.start();
    log.info({ ocppPort, ocppTlsPort, clientCertificates: tls ? tls.ca !== undefined : undefined, httpPort, database: urlForLog(config.databaseUrl) }, 'Tomada is running');
    return {
      cluster,
      ocppPort,
      ocppTlsPort,
      httpPort,
      generatedAdminToken: generated,
      domain,
      store,
      campaigns,
      software,
      events,
      webhooks,
      metrics,
      // Idempotent: a second call waits for the first.
      stop() {
        stopping ??= (async () => {
          if (notLiveSweep) clearTimeout(notLiveSweep);
          await leftRunning.stop();
          await campaigns.close();
          await webhooks.stop();
          await api?.close();
          // Listeners first, then the charge points: each reconnects elsewhere, and its release
          // goes out before this node says it leaves the cluster, the last thing it publishes.
          await ocpp.close();
          await cluster?.close();
          await store.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (notLiveSweep) clearTimeout(notLiveSweep);
    await api?.close();
    await ocpp.close().catch(() => undefined);
    await cluster?.close();
    await store.close();
    throw error;
  }
}

/**
 * A command waits for its turn behind earlier commands to its charge point at most as long as it
 * then waits for the answer: an operator's request is answered within two call timeouts.
 */
function sendWithinMs(config: Config): number {
  return config.callTimeoutMs;
}

/**
 * This node's part of a cluster: announces its charge points over NATS and routes commands between
 * nodes. The router, and the NATS client, load only for a node that has a NATS URL.
 */
async function startCluster(
  config: Config,
  store: Store,
  soapTarget: TargetResolver,
  log: Logger,
  told: { lost(node: string): void; sessionsLeftRunning(chargePointId: string, atOnce: boolean): void },
): Promise<ClusterRouter> {
  const { ClusterRouter } = await import('./cluster/cluster-router.js');
  const cluster = config.cluster!;
  log.info({ node: cluster.nodeId, nats: urlListForLog(cluster.natsUrl), prefix: cluster.prefix }, 'joining the cluster over NATS');
  return new ClusterRouter({
    natsUrl: cluster.natsUrl,
    nodeId: cluster.nodeId,
    prefix: cluster.prefix,
    heartbeatMs: cluster.heartbeatMs,
    // Once the holder may no longer send it, the call timeout to the charge point; then 2 s for the hop.
    requestTimeoutMs: config.callTimeoutMs + 2_000,
    sendWithinMs: sendWithinMs(config),
    resolve: soapTarget,
    log,
    onNodeLost: (node, chargePointIds) => {
      record('nodeLost', node, chargePointIds);
      told.lost(node);
    },
    onNodeLeft: (node, chargePointIds) => record('nodeLeft', node, chargePointIds),
    onSessionsLeftRunning: told.sessionsLeftRunning,
  });

  /** One event per noticing node: each judges the others on its own. */
  function record(type: 'nodeLost' | 'nodeLeft', node: string, chargePointIds: string[]): void {
    const data = { node, noticedBy: cluster.nodeId, chargePoints: chargePointIds.length, chargePointIds: chargePointIds.slice(0, 100) };
    void store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: null, type, data })).catch((error: unknown) => {
      log.error({ err: error, node, type }, 'could not record a node leaving the cluster');
    });
  }
}
