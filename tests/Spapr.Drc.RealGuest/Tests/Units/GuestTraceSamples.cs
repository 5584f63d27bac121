namespace Spapr.Drc.RealGuest.Tests.Units;

/// <summary>Lines the guest's trace_pipe really printed (from a recording), for the parser and assembler tests.</summary>
internal static class GuestTraceSamples
{
    public const string CheckExceptionCall =
        "          <idle>-0       [000] d.h..     8.125909: call: (rtas_call+0xc/0x480) token=8206 nargs=6 nret=1 a0=1280 a1=4097 a2=268435456 wa0=0";

    public const string CheckExceptionReturn =
        "          <idle>-0       [000] d.h..     8.126894: ret: (ras_hotplug_interrupt+0xa8/0x1c0 <- rtas_call) rc=0 tok=236978176 nargs=100663296 nret=16777216 v={327680,17825792,16,0,942241538,524288,0,1356782762,0,0}";

    public const string CheckExceptionLog =
        "          <idle>-0       [000] d.h..     8.127003: log: (ras_hotplug_interrupt+0xa8/0x1c0 <- rtas_call) tok=236978176 log={3848287238,1811939328,9306246,0,0,5063241,805324880,0,688989728,219397,0,0,50331720,0,0,0,0,0,402671701,0,128,0,0,0,335564872,1,262402,33554432,134217856}";

    public const string SensorCall =
        "    kworker/u8:1-24      [000] .n...     8.133913: call: (rtas_call+0xc/0x480) token=8221 nargs=2 nret=2 a0=9003 a1=2147483656 a2=0 wa0=0";

    public const string SensorReturn =
        "    kworker/u8:1-24      [000] .n...     8.134992: ret: (rtas_get_sensor+0x9c/0x1b0 <- rtas_call) rc=0 tok=488636416 nargs=33554432 nret=33554432 v={723714048,134217856,0,33554432,942241538,524288,0,1356782762,0,0}";

    /// <summary>The return of another CPU's call: rtas.args no longer holds the sensor call (a probe race).</summary>
    public const string RacedSensorReturn =
        "    kworker/u8:1-24      [000] .n...     8.134992: ret: (rtas_get_sensor+0x9c/0x1b0 <- rtas_call) rc=0 tok=438304768 nargs=50331648 nret=16777216 v={723714048,134217856,16777216,0,942241538,524288,0,1356782762,0,0}";

    /// <summary>The /rtas token properties of QEMU 7.2 the samples use.</summary>
    public static IReadOnlyDictionary<string, string> RtasProperties { get; } = new Dictionary<string, string>
    {
        ["check-exception"] = "0000200e",
        ["get-sensor-state"] = "0000201d",
        ["set-indicator"] = "0000201a",
        ["ibm,configure-connector"] = "0000201e",
        ["rtas-size"] = "00002000",
        ["event-scan"] = "0000200f",
    };
}
