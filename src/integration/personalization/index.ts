export * from './adaptive.ts';
export * from './churn.ts';
export * from './family-plan.ts';
export * from './recommendations.ts';
export * from './segments.ts';
export * from './story-plan.ts';
export * from './themes.ts';
