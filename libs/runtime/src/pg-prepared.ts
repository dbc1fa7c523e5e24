/**
 * Parameterised statements as named prepared statements, per connection: PostgreSQL parses and
 * plans the text once per connection instead of at every call. The hot statements are long (the
 * sequencer's append is one statement of 21 parameters with CTEs; the projector's batch write 27),
 * and the server's CPU was the largest of the layout's under load (docs/performance.md, "Prepared
 * statements").
 *
 * Only `query(text, values)` calls are named: a statement without parameters may hold several
 * commands (`BEGIN; SET LOCAL ...`), which the extended protocol refuses. Names are given per
 * distinct text, process-wide, up to `MAX_NAMED` texts; past that a text goes unnamed, as before,
 * so a caller building texts from data cannot fill the server's memory with statements.
 */
const MAX_NAMED = 500;
const names = new Map<string, string>();

/** The name of this statement's text, or undefined when it is not to be prepared. */
export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `tm_${names.size.toString(36)}`;
    names.set(text, name);
  }
  return name;
}

type QueryFn = (...args: unknown[]) => unknown;

/** Makes a pg client send `query(text, values)` as a named statement (see above). */
export function prepareParameterised(client: { query: QueryFn }): void {
  const query: QueryFn = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values) && (callback === undefined || typeof callback === 'function')) {
      const name = statementName(text);
      // pg-pool's own query passes a callback; a caller's awaits the promise.
      if (name) return callback === undefined ? query({ name, text, values }) : query({ name, text, values }, callback);
    }
    return query(...args);
  };
}
