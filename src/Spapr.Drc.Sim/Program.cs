using Spapr.Drc.Sim;

return DrcsimCli.Run(args, Console.Out, Console.Error, DrcsimCli.ColorWanted());
