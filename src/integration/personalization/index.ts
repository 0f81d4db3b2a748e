export * from './adaptive.ts';
export * from './churn.ts';
export * from './recommendations.ts';
export * from './segments.ts';
export * from './themes.ts';
