/**
 * libs/jobs: the BullMQ plumbing every job of the product uses (docs/adr/0013-jobs-and-scheduling.md).
 *
 * - `QUEUES`, `bullPrefix`, `bullConnection`: queue names and the Redis connection (maxRetriesPerRequest: null).
 * - `JobsModule.forRoot()`: import it (any number of times, it is one module) where ApplicationModule.forRoot
 *   (config) is present; it registers BullMQ from APP_CONFIG and drains workers on SIGTERM within
 *   SHUTDOWN_TIMEOUT_MS. `JobsModule.queues(QUEUES.x)` registers the queues a module uses, then
 *   `@InjectQueue(QUEUES.x) queue: Queue` to produce and `@Processor(QUEUES.x) class … extends WorkerHost` to
 *   process (add the processor to WorkerModule's providers, or a module WorkerModule imports).
 * - Payloads: `class XPayload extends JobPayload` (class-validator); `toJobData(XPayload, payload)` when adding,
 *   `fromJobData(XPayload, job.data)` first thing in `process` (throw → the job fails, it is not retried into
 *   success).
 * - Ids: `deriveJobId(kind, ...cause)` for the job id (an event id, a day, a report id), so adding it twice is a
 *   no-op; `deriveCommandId(kind, ...cause)` for every command a job sends, so a retried job replays instead of
 *   appending twice.
 * - `jobCommandMetadata(job, payload, { commandId, occurredOn })`: command metadata carrying the payload's
 *   correlationId (and causationId, else `job:<id>`) with the system actor `JOB_ACTOR`.
 * - `upsertDailySchedule(queue, { schedulerId, pattern, jobName, data })`: a Job Scheduler on Asia/Tokyo time,
 *   safe to upsert at every start-up; `scheduledDayOf(job)`: the Tokyo day a scheduled run is for.
 * - `assertRedisEvictionPolicy(redis, nodeEnv)`: the start-up check that Redis is `noeviction`.
 * - Registration sweep (expiry and renewal reminders): `RegistrationSweep`, used by the worker and `cli expire`.
 */
export * from './queues';
export * from './job-id';
export * from './job-payload';
export * from './connection';
export * from './jobs.module';
export * from './jobs-drain';
export * from './job-metadata';
export * from './schedules';
export * from './redis-policy';
export * from './webhooks';
export * from './reports';
export * from './expiry/registration-sweep';
export * from './expiry/sweep-payload';
