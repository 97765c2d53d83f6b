/**
 * The revision store's errors, named and worded as Deckhand's
 * (deckhand/errors.py) so clients matching on them keep working.
 */
import { DeckhandError } from '../documents/index.js';

export class RevisionNotFound extends DeckhandError {
  constructor(revisionId: number | string) {
    super(`The requested revision=${revisionId} was not found`, 404);
  }
}

export class RevisionTagNotFound extends DeckhandError {
  constructor(tag: string, revisionId: number) {
    super(`The requested tag '${tag}' for revision ${revisionId} was not found`, 404);
  }
}

export class RevisionTagBadFormat extends DeckhandError {
  constructor(data: string) {
    super(`The requested tag data ${data} must either be null or dictionary`, 400);
  }
}

export class ValidationNotFound extends DeckhandError {
  constructor(args: { revisionId: number; validationName: string; entryId: number }) {
    super(
      `The requested validation entry ${args.entryId} was not found for validation name ${args.validationName} and revision ID ${args.revisionId}`,
      404,
    );
  }
}

export class InvalidInputException extends DeckhandError {
  constructor(input: string) {
    super(`Failed to process request due to invalid input: ${input}`, 400);
  }
}
