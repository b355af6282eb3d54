// One OCPP action: its request and response schemas (TypeBox, so one definition gives the static
// type, the validator and the documentation) and the compiled validators.
import type { Static, TSchema } from '@sinclair/typebox';
import { compileValidator, type Validator } from './validate.js';

export interface OcppAction<Req extends TSchema = TSchema, Res extends TSchema = TSchema> {
  readonly name: string;
  readonly request: Req;
  readonly response: Res;
  readonly validateRequest: Validator<Static<Req>>;
  readonly validateResponse: Validator<Static<Res>>;
}

export function defineAction<Req extends TSchema, Res extends TSchema>(
  name: string,
  request: Req,
  response: Res,
): OcppAction<Req, Res> {
  return {
    name,
    request,
    response,
    validateRequest: compileValidator(request),
    validateResponse: compileValidator(response),
  };
}
