// Importing this module registers every scalar function (each file registers its family once).
import './arithmetic.js';
import './compare.js';
import './control.js';
import './like.js';
import './logic.js';
