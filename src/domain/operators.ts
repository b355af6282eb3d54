// Charge point operators (OPC, DPC): the records charge points, id tags and API tokens belong to.
import type { Store, StoreWriter } from '../store/store.js';
import { UnknownOperator } from './access.js';
import { DomainError } from './errors.js';
import type { Operator, OperatorKind } from './model.js';
import type { Clock } from './time.js';

/** The operator still owns charge points, id tags or tokens: move or remove those first. */
export class OperatorInUse extends DomainError {}

/**
 * Refuses, in the unit that writes it, an assignment to an operator that does not exist, and holds
 * the one that does against a removal until the unit commits. The API checks the operator before
 * the unit runs; a removal committed in between failed the write on the foreign key (500), and on
 * PostgreSQL a removal running beside it failed on it instead (operatorInUse could not see the
 * assignment not yet committed). Now whichever comes first, the other is answered as if it came after.
 */
export async function assertOperatorHeld(tx: StoreWriter, operator: string | null | undefined): Promise<void> {
  if (typeof operator === 'string' && !(await tx.holdOperator(operator))) {
    throw new UnknownOperator(`No operator "${operator}": create it first (PUT /api/v1/operators/${operator})`);
  }
}

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
      // Locked: an assignment to it not yet committed is waited for, then counted as a use.
      if (!(await tx.getOperatorToRemove(id))) return false;
      if (await tx.operatorInUse(id)) throw new OperatorInUse(`Operator "${id}" still owns charge points, id tags or API tokens`);
      await tx.deleteOperator(id);
      return true;
    });
  }
}
