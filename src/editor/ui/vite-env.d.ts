/** Modules Vite resolves for the editor UI. */
declare module '*.css';
