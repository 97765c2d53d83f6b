export { TaskStore } from './task-store.js';
export { TaskRunner } from './runner.js';
export type { TaskContext, TaskHandler, RunnerOptions } from './runner.js';
export { RetryTaskError, FINISHED } from './task.js';
export { taskMachine } from './task-states.js';
export type { Task, TaskState, NewTask } from './task.js';
