/**
 * socket.io's packet parser with a decoder that accepts the protocol's largest answers.
 * The stock decoder refuses packets with more than 10 binary attachments and drops the
 * connection; a join answer carries one per envelope (see MAX_ANSWER_ATTACHMENTS).
 */
import * as socketParser from 'socket.io-parser';
import { MAX_ANSWER_ATTACHMENTS } from '@yhteispoyta/crypto/protocol';

class AnswerDecoder extends socketParser.Decoder {
  constructor() {
    super({ maxAttachments: MAX_ANSWER_ATTACHMENTS });
  }
}

/** For socket.io-client's `parser` option. */
export const protocolParser = { ...socketParser, Decoder: AnswerDecoder };
