import { Logger } from '@nestjs/common';

/**
 * Jest runs this before every test file: the pools' Nest logs would otherwise
 * print between Jest's results. A test that asserts on logs installs its own
 * recorder (`Logger.overrideLogger(recorder)`) and puts silence back after.
 */
Logger.overrideLogger(false);
