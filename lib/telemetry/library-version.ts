/** The version meters and tracers are named with; a unit test keeps it equal to package.json's. */
export const LIBRARY_NAME = 'nestjs-grpc-pool';
export const LIBRARY_VERSION = '0.1.0';
