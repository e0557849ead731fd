/**
 * What happens when something goes wrong: the written policy per failure class, and the dead-letter
 * record format.
 *
 * <table>
 *   <caption>Failure policy</caption>
 *   <tr><th>failure</th><th>the record</th><th>the task and the application</th></tr>
 *   <tr><td>bad input bytes (empty, not the wire format, unknown schema id, malformed or
 *       truncated Avro)</td><td>dead-letter topic, stage {@code decode}</td><td>continue</td></tr>
 *   <tr><td>bad features (missing field, wrong number of features, NaN or infinite)</td>
 *       <td>dead-letter topic, stage {@code featurize}</td><td>continue</td></tr>
 *   <tr><td>bad image (empty, too many bytes, not JPEG or PNG, truncated, corrupt, a header that
 *       declares more pixels than allowed, a URI that is missing, not allowed or of an unknown
 *       scheme)</td><td>dead-letter topic, stage {@code featurize}, before any pixel of a too
 *       large image is decoded</td><td>continue</td></tr>
 *   <tr><td>model failure on a batch</td><td>the batch is bisected until the failing records
 *       are isolated; only they go to the dead-letter topic, stage {@code inference}</td>
 *       <td>continue</td></tr>
 *   <tr><td>schema registry unreachable (after retries)</td><td>not the record's fault: nothing
 *       is dead-lettered; the batch's offsets are not committed</td><td>the stream thread fails
 *       and is replaced; under exactly-once the open transaction aborts and the batch is read and
 *       scored again</td></tr>
 *   <tr><td>producing an output fails (e.g. record too large)</td><td>Kafka Streams' own
 *       handler: fail</td><td>the application stops, logged</td></tr>
 *   <tr><td>any other exception</td><td>its offset not committed</td><td>the application stops,
 *       logged with the cause; after a fix and restart the records are read and scored</td></tr>
 * </table>
 *
 * <p>A batch scored off the stream thread ({@code pipeline.batch.max.in.flight} above 0) follows
 * the same policy: its exception is rethrown on the stream thread when the batch is the oldest in
 * flight, and nothing of it or after it is committed.
 *
 * <p>Silent skipping is a bug: every record that enters a batch leaves it as a prediction or as a
 * dead letter.
 */
package io.sluice.errors;
