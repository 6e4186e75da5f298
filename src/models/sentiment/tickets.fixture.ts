/** Labelled support tickets for the sentiment tests: twelve of each class and four held out. */
export const POSITIVE = [
  'Great support, the agent solved my problem quickly',
  'Excellent service, very helpful and friendly team',
  'I love the new dashboard, it works perfectly',
  'Fast response and a great fix, thank you',
  'The product is amazing and easy to use',
  'Very happy with the quick and helpful answer',
  'Wonderful experience, the team was friendly and fast',
  'Perfect, everything works great now',
  'Helpful agent, excellent and clear explanation',
  'Really pleased, the update is great',
  'Good service and a friendly, helpful agent',
  'The support team was awesome and solved it',
];
export const NEGATIVE = [
  'Terrible support, nobody answered for days',
  'The app is broken and keeps crashing',
  'Awful experience, the agent was rude and slow',
  'Still waiting, this is the worst service ever',
  'The update broke everything, very disappointed',
  'Slow response and the problem is still not fixed',
  'Useless answer, I am angry and frustrated',
  'Horrible product, it crashes every day',
  'Rude agent and a terrible, slow process',
  'Disappointed, the bug is still broken',
  'The worst support I have had, so slow',
  'It keeps failing and nobody helps, awful',
];
export const texts = [...POSITIVE, ...NEGATIVE];
export const labels = [...POSITIVE.map(() => 1 as const), ...NEGATIVE.map(() => 0 as const)];
export const HELD_OUT = [
  ['The agent was very helpful and friendly, great job', 'positive'],
  ['Excellent and fast support, thank you', 'positive'],
  ['Terrible, the app keeps crashing and nobody answered', 'negative'],
  ['Awful and rude support, very slow', 'negative'],
] as const;
