import { Module } from '@nestjs/common';
import { IntegrityController } from './integrity.controller';

/** GET /integrity/*: verification, seals and proofs (docs/adr/0011). */
@Module({ controllers: [IntegrityController] })
export class IntegrityModule {}
