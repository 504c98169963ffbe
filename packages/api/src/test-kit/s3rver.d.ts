// s3rver ships no types; the tests use only these parts of it.
declare module "s3rver";
declare module "s3rver/lib/models/account.js";
