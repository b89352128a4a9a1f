/** Three tiers, named by suffix (STYLE.md rule 8). Jest runs them all with `npm test`. */
const moduleNameMapper = {
  '^@ismap/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@ismap/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { warnOnly: false } }],
  // ESM-only dependencies that Node 20 loads through require(esm) but Jest's CommonJS runtime cannot.
  '^.+/node_modules/content-disposition/.+\\.js$': [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs' } },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!content-disposition/)'];
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e.spec.ts'] },
  ],
  testTimeout: 30000,
};
