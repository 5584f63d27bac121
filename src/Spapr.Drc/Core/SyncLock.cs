// The registry lock's type: System.Threading.Lock where the runtime has it (.NET 9 on), whose enter and exit are
// managed code, a plain object's monitor before. A request takes the lock once and the outbox a few times more, and
// with monitors those calls into the runtime were about a third of a request's cost.
#if NET9_0_OR_GREATER
global using SyncLock = System.Threading.Lock;
#else
global using SyncLock = System.Object;
#endif
