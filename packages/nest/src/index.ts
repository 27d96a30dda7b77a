export * from '@x/core';
