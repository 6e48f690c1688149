import { ScalarFuncSig as Sig } from '../../../proto/gen/dagpb.js';
import { allEvalTypes, signatureSuffix } from '../eval-type.js';
import { defineScalar } from '../function.js';

// The conditions of IF and CASE are ints: the planner casts other types to a truth value first.
for (const type of allEvalTypes) {
  const suffix = signatureSuffix[type];
  defineScalar({
    sig: Sig[`IfNull${suffix}` as keyof typeof Sig],
    name: 'ifnull',
    args: [type, type],
    returns: type,
    nullTolerant: true,
    row: (_context, [value, otherwise]) => value ?? otherwise ?? null,
  });
  defineScalar({
    sig: Sig[`If${suffix}` as keyof typeof Sig],
    name: 'if',
    args: ['int', type, type],
    returns: type,
    nullTolerant: true,
    row: (_context, [condition, then, otherwise]) => (condition !== null && condition !== 0n ? then : otherwise) ?? null,
  });
  // CASE WHEN c1 THEN v1 [WHEN c2 THEN v2 ...] [ELSE v]: arguments c1, v1, c2, v2, ..., [v].
  defineScalar({
    sig: Sig[`CaseWhen${suffix}` as keyof typeof Sig],
    name: 'case',
    args: { each: (index, count) => (index % 2 === 0 && index !== count - 1 ? 'int' : type), min: 1 },
    returns: type,
    nullTolerant: true,
    row: (_context, args) => {
      const pairs = Math.floor(args.length / 2);
      for (let pair = 0; pair < pairs; pair++) {
        const condition = args[pair * 2];
        if (condition !== null && condition !== 0n) return args[pair * 2 + 1] ?? null;
      }
      return args.length % 2 === 1 ? (args[args.length - 1] ?? null) : null;
    },
  });
  defineScalar({
    sig: Sig[`Coalesce${suffix}` as keyof typeof Sig],
    name: 'coalesce',
    args: { each: () => type, min: 1 },
    returns: type,
    nullTolerant: true,
    row: (_context, args) => args.find((value) => value !== null) ?? null,
  });
}
