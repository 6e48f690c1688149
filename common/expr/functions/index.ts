// Importing this module registers every scalar function (each file registers its family once).
import './arithmetic.js';
import './bit.js';
import './cast.js';
import './compare.js';
import './control.js';
import './date.js';
import './like.js';
import './logic.js';
import './math.js';
import './string.js';
