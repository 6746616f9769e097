// The kernels of assembly/kernels.ts compiled for a shared, imported memory (scripts/build-wasm.mjs:
// kernels-mt.wasm, with --enable threads --sharedMemory --importMemory): two instances on one memory,
// on two threads, can each compute a band of rows of the same call (see nccRows).
export * from "./kernels";
