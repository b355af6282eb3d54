// NATS subject names of a cluster. Every subject starts with the cluster's prefix, so several
// clusters (or test runs) can share one NATS server without hearing each other.
//
//   <prefix>.cp.<id>.command     request/reply; subscribed (queue group) by the node holding <id>
//   <prefix>.cp.<id>.takeover    published by a node when <id> connects to it
//   <prefix>.cp.<id>.released    published by a node when <id> disconnects from it
//   <prefix>.cp.<id>.end         published by a node that wants <id>'s connection ended, wherever it is
//   <prefix>.cp.<id>.left-running  published by a node whose campaign left sessions running on <id>'s card
//   <prefix>.node.heartbeat      every node's liveness and a digest of what it holds
//   <prefix>.node.left           published by a node that stops on purpose, last of all
//   <prefix>.node.<node>.<instance>.command.<id>  request/reply: a command for <id> to the process the asker believes holds it
//   <prefix>.node.<node>.<instance>.answer  request/reply: the answer to a command or an ask again, when NATS lost it
//   <prefix>.node.<node>.holdings  request/reply: the charge points a node holds, page by page
//   <prefix>.node.<node>.<instance>.holdings  the same, to the process its heartbeats announce
//   <prefix>.node.<node>.ask.<service>  request/reply: work only that node can do (NodeRequests)
//   <prefix>.node.<node>.<instance>.ask.<service>  the same, to the process its heartbeats announce

/** NATS subject tokens may not contain '.', '*', '>' or whitespace; charge point ids may. */
export function subjectToken(text: string): string {
  return encodeURIComponent(text).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

export function tokenText(token: string): string | undefined {
  try {
    return decodeURIComponent(token);
  } catch {
    return undefined;
  }
}

export class Subjects {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) {
      throw new Error(`NATS subject prefix "${prefix}" must be dot-separated tokens of letters, digits, "_" and "-"`);
    }
  }

  command(chargePointId: string): string {
    return `${this.prefix}.cp.${subjectToken(chargePointId)}.command`;
  }

  takeover(chargePointId: string): string {
    return `${this.prefix}.cp.${subjectToken(chargePointId)}.takeover`;
  }

  released(chargePointId: string): string {
    return `${this.prefix}.cp.${subjectToken(chargePointId)}.released`;
  }

  end(chargePointId: string): string {
    return `${this.prefix}.cp.${subjectToken(chargePointId)}.end`;
  }

  /** Sessions a validation campaign on the publishing node left running on the charge point. */
  leftRunning(chargePointId: string): string {
    return `${this.prefix}.cp.${subjectToken(chargePointId)}.left-running`;
  }

  /** Every charge point's takeover, released, end and left-running announcements (not its commands). */
  get announcements(): string[] {
    return [`${this.prefix}.cp.*.takeover`, `${this.prefix}.cp.*.released`, `${this.prefix}.cp.*.end`, `${this.prefix}.cp.*.left-running`];
  }

  get heartbeat(): string {
    return `${this.prefix}.node.heartbeat`;
  }

  get left(): string {
    return `${this.prefix}.node.left`;
  }

  /**
   * A command for a charge point, to one process by name: the node believed to hold it, in the
   * instance its heartbeats announce. A frozen earlier process of that node id has its own subject.
   */
  nodeCommand(nodeId: string, instance: string, chargePointId: string): string {
    return `${this.prefix}.node.${subjectToken(nodeId)}.${subjectToken(instance)}.command.${subjectToken(chargePointId)}`;
  }

  /** Every command sent to this process by name. */
  nodeCommands(nodeId: string, instance: string): string {
    return `${this.prefix}.node.${subjectToken(nodeId)}.${subjectToken(instance)}.command.*`;
  }

  /** Where a process is asked again for the answer to a command request or an ask (AnswerRequest). */
  answer(nodeId: string, instance: string): string {
    return `${this.prefix}.node.${subjectToken(nodeId)}.${subjectToken(instance)}.answer`;
  }

  /** The charge point id of a command sent to a node by name; undefined for anything else. */
  parseNodeCommand(subject: string): string | undefined {
    const token = subject.slice(subject.lastIndexOf('.') + 1);
    return tokenText(token);
  }

  /** The charge points a node holds; with `instance`, as that process of it holds them (as nodeCommand). */
  holdings(nodeId: string, instance?: string): string {
    const process = instance === undefined ? '' : `.${subjectToken(instance)}`;
    return `${this.prefix}.node.${subjectToken(nodeId)}${process}.holdings`;
  }

  /** Work for a node by name; with `instance`, for that process of it only (as nodeCommand). */
  ask(nodeId: string, service: string, instance?: string): string {
    const process = instance === undefined ? '' : `.${subjectToken(instance)}`;
    return `${this.prefix}.node.${subjectToken(nodeId)}${process}.ask.${subjectToken(service)}`;
  }

  /** The charge point id and kind of an announcement subject; undefined for anything else. */
  parseAnnouncement(subject: string): { chargePointId: string; kind: 'takeover' | 'released' | 'end' | 'left-running' } | undefined {
    const parts = subject.slice(this.prefix.length + 1).split('.');
    if (parts.length !== 3 || parts[0] !== 'cp') return undefined;
    const kind = parts[2];
    if (kind !== 'takeover' && kind !== 'released' && kind !== 'end' && kind !== 'left-running') return undefined;
    const chargePointId = tokenText(parts[1]!);
    return chargePointId === undefined ? undefined : { chargePointId, kind };
  }
}
