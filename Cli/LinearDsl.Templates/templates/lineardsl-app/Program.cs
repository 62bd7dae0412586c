using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Tokenization;
using LinearDsl.Runtime.Training;
using LinearDslApp;

var tokenizer = new ByteTokenizer();
var data = SequencePacker.Load(Path.Combine(AppContext.BaseDirectory, "genesis.txt"), tokenizer, TinyModel.Config.ContextLength);

using var model = TinyModel.Create(seed: 1);
using (var trainer = new Trainer(model, data, new TrainingOptions { Steps = TRAINING_STEPS, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 5 }))
{
    var result = trainer.Train();
    Console.WriteLine($"trained {result.Steps} steps: loss {trainer.Losses[0]:F2} -> {trainer.Losses[^1]:F2}");
}
TinyModel.Save(model, Path.Combine(AppContext.BaseDirectory, "checkpoint"));

string prompt = "In the beginning";
var decoder = new PlainDecoder(model);
using var session = decoder.Start([tokenizer.Encode(prompt)], new GenerationOptions { MaxNewTokens = 60, Sampling = SamplingOptions.Greedy });
session.RunToEnd();
Console.WriteLine(prompt + tokenizer.Decode(session.Generated[0]));
