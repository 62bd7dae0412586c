using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Tests.Hosting;

/// <summary>
/// A decoder without a model: every session emits the same token script, in rounds whose sizes cycle through
/// <c>roundSizes</c> (like speculative rounds that accept different counts). Records what it was asked and how many
/// sessions were alive at once.
/// </summary>
public sealed class ScriptedDecoder(int vocabSize, IReadOnlyList<long> script, params int[] roundSizes) : ITokenDecoder
{
    readonly int _vocabSize = vocabSize;
    readonly IReadOnlyList<long> _script = script;
    readonly int[] _roundSizes = roundSizes.Length == 0 ? [1] : roundSizes;
    int _alive;

    public List<ScriptedSession> Sessions { get; } = [];

    public int MaxAlive { get; private set; }

    public TimeSpan RoundDelay { get; init; }

    public DecodingSession Start(IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
    {
        var session = new ScriptedSession(this, prompts, options);
        lock (Sessions)
        {
            Sessions.Add(session);
            MaxAlive = Math.Max(MaxAlive, ++_alive);
        }
        return session;
    }

    public sealed class ScriptedSession : DecodingSession
    {
        readonly ScriptedDecoder _owner;
        int _position, _round;

        internal ScriptedSession(ScriptedDecoder owner, IReadOnlyList<IReadOnlyList<long>> prompts, GenerationOptions options)
            : base(prompts, options, owner._vocabSize)
        {
            _owner = owner;
            Prompt = prompts[0];
        }

        public IReadOnlyList<long> Prompt { get; }

        public bool Disposed { get; private set; }

        protected override IReadOnlyList<long>[] Round()
        {
            if (_owner.RoundDelay > TimeSpan.Zero) Thread.Sleep(_owner.RoundDelay);
            int size = _owner._roundSizes[_round++ % _owner._roundSizes.Length];
            if (_position >= _owner._script.Count) throw new InvalidOperationException("The script is exhausted: the generator should have stopped.");
            var tokens = _owner._script.Skip(_position).Take(size).ToArray();
            _position += tokens.Length;
            return Enumerable.Range(0, Batch).Select(_ => (IReadOnlyList<long>)tokens).ToArray();
        }

        protected override void DisposeStates()
        {
            Disposed = true;
            lock (_owner.Sessions) _owner._alive--;
        }
    }
}
