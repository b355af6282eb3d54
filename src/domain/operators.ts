// Charge point operators (OPC, DPC): the records charge points, id tags and API tokens belong to.
import type { Store } from '../store/store.js';
import { DomainError } from './errors.js';
import type { Operator, OperatorKind } from './model.js';
import type { Clock } from './time.js';

/** The operator still owns charge points, id tags or tokens: move or remove those first. */
export class OperatorInUse extends DomainError {}

export class Operators {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  list(): Promise<Operator[]> {
    return this.store.listOperators();
  }

  get(id: string): Promise<Operator | undefined> {
    return this.store.getOperator(id);
  }

  async put(id: string, fields: { name: string; kind: OperatorKind }): Promise<{ operator: Operator; created: boolean }> {
    return this.store.transact(async (tx) => {
      const existing = await tx.getOperator(id);
      const operator: Operator = { id, name: fields.name, kind: fields.kind, createdAt: existing?.createdAt ?? this.clock().toISOString() };
      await tx.putOperator(operator);
      return { operator, created: !existing };
    });
  }

  /** Removes an operator that owns nothing; false when there was none. */
  async remove(id: string): Promise<boolean> {
    return this.store.transact(async (tx) => {
      if (!(await tx.getOperator(id))) return false;
      if (await tx.operatorInUse(id)) throw new OperatorInUse(`Operator "${id}" still owns charge points, id tags or API tokens`);
      await tx.deleteOperator(id);
      return true;
    });
  }
}
