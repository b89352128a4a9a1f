export { ROLES, ORG_SCOPED_ROLES, isRole, isOrgScopedRole } from './roles';
export type { Role, OrgScopedRole } from './roles';
export { ANONYMOUS, actorOf } from './principal';
export type { Principal, AuthenticatedPrincipal, AnonymousPrincipal, ActorOfPrincipal } from './principal';
export {
  AUTHENTICATION_ERROR_CODES,
  AuthenticationError,
  ForbiddenAccessError,
  AuthUnavailableError,
  AuthConfigurationError,
  DevTokenRequestError,
  UndeclaredRouteAccessError,
  HiddenObjectError,
  PolicyMismatchError,
  IdentityClaimError,
} from './errors';
export { IDENTITY_FIELDS, IDENTITY_CLAIM_REFUSAL, identityFieldsIn } from './policies/identity-claims';
export type { IdentityClaimRefusal } from './policies/identity-claims';
export type { AuthenticationErrorCode } from './errors';
export { ROLES_CLAIM, ORG_CLAIM, principalFromClaims, identifierProblem } from './claims';
export { bearerTokenFrom, MAX_TOKEN_LENGTH } from './bearer-token';
export type { VerificationKeySource } from './key-source';
export { DevKeySource } from './key-source';
export { JwksKeySource, jwksUrlFrom } from './jwks-key-source';
export {
  loadOrCreateDevKeyPair,
  devKeysDirectory,
  DEV_KEY_ALGORITHM,
  DEV_PRIVATE_KEY_FILE,
  DEV_PUBLIC_JWKS_FILE,
} from './dev-keys';
export type { DevKeyPair } from './dev-keys';
export {
  TokenVerifier,
  TOKEN_ALGORITHM,
  MAX_CLOCK_TOLERANCE_SECONDS,
  isRevocationRegistry,
} from './token-verifier';
export type {
  TokenVerifierOptions,
  RevocationList,
  RevocationRegistry,
  RevocationNote,
} from './token-verifier';
export { RedisRevocationList } from './redis-revocation-list';
export { issueDevToken, DEFAULT_DEV_TOKEN_TTL_SECONDS, MAX_DEV_TOKEN_TTL_SECONDS } from './dev-token';
export type { DevTokenRequest, DevTokenContext } from './dev-token';
export { Access, Public, ACCESS_METADATA, accessRuleOf, decideAccess } from './access';
export type { AccessRule, AccessDecision } from './access';
export { AccessGuard, CurrentPrincipal, principalOf, authorizationOf } from './access.guard';
export type { AuthenticatableRequest, Authorization } from './access.guard';
export { POLICY_FACTS, NOT_FOUND_OF } from './policies/facts';
export type {
  PolicyFacts,
  ApplicationFacts,
  ServiceFacts,
  FindingFacts,
  WebhookFacts,
  ResourceKind,
  FactsByKind,
} from './policies/facts';
export {
  ANY,
  ACTORS,
  anyone,
  roles,
  onObject,
  onList,
  byAudience,
  actorsAllowedBy,
  evaluatePolicy,
} from './policies/policy';
export type { Actor, RoutePolicy, PolicyDecision } from './policies/policy';
export {
  ownsApplication,
  namedInApplication,
  ownsService,
  ownsFindingService,
  ownsWebhook,
  applicationsOfProvider,
  applicationsNamingAuditBody,
  findingsOfProvider,
  findingsOfAuditBody,
} from './policies/rules';
export type { ListRule } from './policies/rules';
export { ROUTE_POLICIES, SERVICE_AUDIENCES, policyFor, routeKey } from './policies/route-policies';
export type { ServiceAudience } from './policies/route-policies';
export {
  RouteAccessCheck,
  assertEveryRouteDeclaresAccess,
  routeAccessTable,
  routeMetadataTable,
  controllersOf,
  describeRoute,
  routeKeysOfHandler,
} from './route-access';
export type { RouteAccess } from './route-access';
export { AuthModule, AUTH_OPTIONS, createTokenVerifier } from './auth.module';
export type { AuthModuleOptions, AuthModuleAsyncOptions } from './auth.module';
