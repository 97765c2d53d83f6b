export { createFakeInterfaces, type Delay, type FakeOptions } from './fake.js';
