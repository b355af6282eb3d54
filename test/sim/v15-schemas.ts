// The project's OCPP 1.5 schemas (src/ocpp/v15, written from the official WSDLs) as the oracle for
// what the simulator sends and answers in 1.5, over JSON and over SOAP alike.
import { violationText } from '../../src/ocpp/validate.js';
import { v15Actions } from '../../src/ocpp/v15/index.js';

/** Errors of `payload` as the request or response of the 1.5 action `action` (an unknown action is one). */
export function v15SchemaErrors(action: string, direction: 'request' | 'response', payload: unknown): string[] {
  if (!Object.hasOwn(v15Actions, action)) return [`${action} is not an OCPP 1.5 operation`];
  const definition = v15Actions[action as keyof typeof v15Actions];
  const result = direction === 'request' ? definition.validateRequest(payload) : definition.validateResponse(payload);
  return result.ok ? [] : [`${action} ${direction}: ${violationText(result.violation)}`];
}
