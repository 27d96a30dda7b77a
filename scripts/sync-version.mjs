#!/usr/bin/env node
// After `changeset version` bumped the packages: writes @x/core's version into
// src/version.ts (SDK_VERSION, which every event reports). A test keeps the two equal.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib/pnpm.mjs';

const core = join(root, 'packages', 'core');
const { version } = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8'));
const file = join(core, 'src', 'version.ts');
const text = readFileSync(file, 'utf8');
const next = text.replace(/SDK_VERSION = '[^']*'/, `SDK_VERSION = '${version}'`);
if (next !== text) writeFileSync(file, next);
console.log(`SDK_VERSION = ${version}`);
